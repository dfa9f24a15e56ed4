import type { JobDefinition } from '../src/runner/job.js';
import followDeployments from '../jobs/follow-deployments/index.js';
import heartbeat from '../jobs/heartbeat/index.js';
import moveStableBranches from '../jobs/move-stable-branches/index.js';
import promotePackages from '../jobs/promote-packages/index.js';
import reportPipelineFailures from '../jobs/report-pipeline-failures/index.js';
import trackPostDeployMigrations from '../jobs/track-post-deploy-migrations/index.js';
import updateComponent from '../jobs/update-component/index.js';
import verifyDeployment from '../jobs/verify-deployment/index.js';

/** Every job the bot knows. Add a job here once; the CLI, config schema and scheduler pick it up. */
export const jobs: JobDefinition[] = [
  heartbeat,
  updateComponent,
  trackPostDeployMigrations,
  moveStableBranches,
  promotePackages,
  verifyDeployment,
  reportPipelineFailures,
  followDeployments,
];
