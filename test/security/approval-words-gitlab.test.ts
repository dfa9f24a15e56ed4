import { approvalWordsSuite } from './approval-words-suite.js';

approvalWordsSuite('gitlab');
