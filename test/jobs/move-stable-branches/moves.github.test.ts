import { movesSuite } from './moves-suite.js';

movesSuite('github');
