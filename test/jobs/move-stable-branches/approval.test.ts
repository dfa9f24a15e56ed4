import { approvalSuite } from './approval-suite.js';

approvalSuite('gitlab');
approvalSuite('github');
