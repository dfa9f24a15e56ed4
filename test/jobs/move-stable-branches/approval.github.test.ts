import { approvalSuite } from './approval-suite.js';

approvalSuite('github');
