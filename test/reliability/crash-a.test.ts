import { reportPipelineFailures, updateComponent } from './support/crash-scenarios.js';
import { describeCrashes } from './crash-scenario.js';

/** SIGKILL after each write of update-component's and report-pipeline-failures' runs (support/crash.ts). */
describeCrashes('bump-and-report', [updateComponent, reportPipelineFailures]);
