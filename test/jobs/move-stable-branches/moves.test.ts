import { movesSuite } from './moves-suite.js';
import { optionsSuite } from './options-suite.js';

optionsSuite();
movesSuite('gitlab');
movesSuite('github');
