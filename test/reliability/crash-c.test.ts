import { promotePackages, verifyDeployment } from './support/crash-scenarios.js';
import { describeCrashes } from './crash-scenario.js';

/** SIGKILL after each write of verify-deployment's and promote-packages' runs (support/crash.ts). */
describeCrashes('deploy-and-promote', [verifyDeployment, promotePackages]);
