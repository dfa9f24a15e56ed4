import { provenanceSuite } from './provenance-suite.js';

provenanceSuite('gitlab');
