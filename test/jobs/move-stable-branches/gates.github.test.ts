import { gatesSuite } from './gates-suite.js';

gatesSuite('github');
