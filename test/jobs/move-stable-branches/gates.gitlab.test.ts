import { gatesSuite } from './gates-suite.js';

gatesSuite('gitlab');
