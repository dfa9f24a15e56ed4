import type { DemoStory } from '../story.js';
import followDeployments from './follow-deployments.js';
import heartbeat from './heartbeat.js';
import moveStableBranches from './move-stable-branches.js';
import promotePackages from './promote-packages.js';
import reportPipelineFailures from './report-pipeline-failures.js';
import trackPostDeployMigrations from './track-post-deploy-migrations.js';
import updateComponent from './update-component.js';
import verifyDeployment from './verify-deployment.js';

/** The demo's stories, in the order they are told. */
export const stories: DemoStory[] = [
  heartbeat,
  updateComponent,
  // Right after update-component: its merged bump goes through the environments.
  followDeployments,
  moveStableBranches,
  reportPipelineFailures,
  trackPostDeployMigrations,
  verifyDeployment,
  // After verify-deployment: it publishes only what passed there.
  promotePackages,
];
