import { ConfigError } from '../errors.js';
import type { Store } from './types.js';

/** PostgreSQL store: arrives with the scale-out work (issue 10). */
export async function openPostgresStore(_url: string): Promise<Store> {
  throw new ConfigError(
    'store.url: the PostgreSQL store is not available in this version; remove store.url to use SQLite',
  );
}
