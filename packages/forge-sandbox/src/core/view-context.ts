import type { CiEngine } from './ci.js';
import type { FaultInjector } from './faults.js';
import type { RequestLogEntry } from './server.js';
import type { World } from './world.js';

/** What a forge view needs from the simulator. */
export interface ViewContext {
  world: World;
  ci: CiEngine;
  faults: FaultInjector;
  log: RequestLogEntry[];
  beforeRequest?: () => Promise<void>;
  /** GitLab only: the version whose answers differ (see gitlab/version.ts). */
  gitlabVersion?: number | string;
  /**
   * GitLab: MR lists show the last mergeability check, not a fresh one. GitHub: a PR read right
   * after its head or base moved answers `mergeable: null` (computed in the background).
   */
  lazyMergeability?: boolean;
}
