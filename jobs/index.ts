import type { JobDefinition } from '../src/runner/job.js';
import heartbeat from './heartbeat/index.js';
import moveStableBranches from './move-stable-branches/index.js';
import promotePackages from './promote-packages/index.js';
import reportPipelineFailures from './report-pipeline-failures/index.js';
import trackPostDeployMigrations from './track-post-deploy-migrations/index.js';
import updateComponent from './update-component/index.js';
import verifyDeployment from './verify-deployment/index.js';

/** Every job the bot knows. Add a job here once; the CLI, config schema and scheduler pick it up. */
export const jobs: JobDefinition[] = [
  heartbeat,
  updateComponent,
  trackPostDeployMigrations,
  moveStableBranches,
  promotePackages,
  verifyDeployment,
  reportPipelineFailures,
];
