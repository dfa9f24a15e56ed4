import type { DemoStory } from '../src/demo/story.js';
import heartbeat from './heartbeat/demo.js';
import moveStableBranches from './move-stable-branches/demo.js';
import promotePackages from './promote-packages/demo.js';
import reportPipelineFailures from './report-pipeline-failures/demo.js';
import trackPostDeployMigrations from './track-post-deploy-migrations/demo.js';
import updateComponent from './update-component/demo.js';
import verifyDeployment from './verify-deployment/demo.js';

/** The demo's stories, in the order they are told. */
export const stories: DemoStory[] = [
  heartbeat,
  updateComponent,
  moveStableBranches,
  reportPipelineFailures,
  promotePackages,
  trackPostDeployMigrations,
  verifyDeployment,
];
