import { moveStableBranches, trackPostDeployMigrations } from './support/crash-scenarios.js';
import { describeCrashes } from './crash-scenario.js';

/** SIGKILL after each write of move-stable-branches' and track-post-deploy-migrations' runs (support/crash.ts). */
describeCrashes('stable-and-migrations', [moveStableBranches, trackPostDeployMigrations]);
