import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.js';

/**
 * Relative file paths in a config are relative to the config file, not to the working directory:
 * `release-bot list` run from another folder must find the same store as the daemon.
 */
export function resolveConfigPaths(config: Config, configFile: string): Config {
  const base = dirname(resolve(configFile));
  const at = (path: string) => (path === ':memory:' || isAbsolute(path) ? path : resolve(base, path));
  return { ...config, store: { ...config.store, path: at(config.store.path) } };
}
