import { existsSync } from 'node:fs';
import type { StoreConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Store } from './types.js';

/** SQLite unless a PostgreSQL URL is configured (`store.url`, or DATABASE_URL). */
export async function openStore(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const url = config.url ?? env.DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new ConfigError(`store.url: only postgres:// URLs are supported (got "${url.split(':')[0]}:")`);
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(url);
  }
  const { openSqliteStore } = await import('./sqlite.js');
  return openSqliteStore(config.path);
}

/**
 * The store for commands that only read it (`list`, `history`, `show`): undefined when the
 * SQLite file does not exist yet, so looking never creates an empty database somewhere.
 */
export async function openExistingStore(
  config: StoreConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Store | undefined> {
  if (!(config.url ?? env.DATABASE_URL) && config.path !== ':memory:' && !existsSync(config.path))
    return undefined;
  const store = await openStore(config, env);
  await store.migrate();
  return store;
}
