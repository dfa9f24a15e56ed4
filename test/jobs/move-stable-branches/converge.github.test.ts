import { convergeSuite } from './converge-suite.js';

convergeSuite('github');
