import { createRequire } from 'node:module';

/**
 * The SQLite engine under the embedded store: Node's built-in `node:sqlite` where it exists
 * (Node ≥ 22.13, unflagged), better-sqlite3 on Node 20.
 *
 * Why both: better-sqlite3 12 (the last major that runs on Node 20) aborts the process on
 * Node ≥ 24.19 (its Statement destructor trips Node's `RemoveEnvironmentCleanupHook` check
 * when a statement is garbage-collected), and better-sqlite3 13 needs Node-API 10, which Node
 * 20 lacks. The built-in module needs no native build, so the image carries no compiler and
 * no addon. Both engines run the same SQL; CI runs the store tests on Node 20 and Node 24, so
 * each engine is exercised.
 */

export interface SqliteStatement {
  run(...values: unknown[]): { changes: number | bigint };
  get(...values: unknown[]): unknown;
  all(...values: unknown[]): unknown[];
}

export interface SqliteDatabase {
  /** Which engine answers (shown by `doctor`). */
  readonly engine: 'node:sqlite' | 'better-sqlite3';
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  /** `fn` inside `BEGIN IMMEDIATE … COMMIT` (a savepoint when already inside a transaction). */
  immediate<T>(fn: () => T): T;
  close(): void;
}

interface NodeSqliteModule {
  DatabaseSync: new (path: string) => {
    exec(sql: string): void;
    prepare(sql: string): SqliteStatement;
    close(): void;
  };
}

interface BetterSqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  transaction<T>(fn: () => T): { immediate(): T };
  close(): void;
}

const require = createRequire(import.meta.url);

function builtin(): NodeSqliteModule | undefined {
  try {
    return require('node:sqlite') as NodeSqliteModule;
  } catch {
    return undefined;
  }
}

function openBuiltin(sqlite: NodeSqliteModule, path: string): SqliteDatabase {
  const db = new sqlite.DatabaseSync(path);
  let depth = 0;
  return {
    engine: 'node:sqlite',
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    immediate<T>(fn: () => T): T {
      const savepoint = `rb_tx_${depth}`;
      db.exec(depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
      depth += 1;
      try {
        const result = fn();
        depth -= 1;
        db.exec(depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
        return result;
      } catch (error) {
        depth -= 1;
        db.exec(depth === 0 ? 'ROLLBACK' : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
        throw error;
      }
    },
    close: () => db.close(),
  };
}

function openBetterSqlite(path: string): SqliteDatabase {
  let Database: new (path: string) => BetterSqliteDatabase;
  try {
    Database = require('better-sqlite3') as typeof Database;
  } catch (error) {
    // An optional dependency: its native build may have been skipped (npm ci --ignore-scripts).
    throw new Error(
      `the SQLite store needs Node ≥ 22.13 (built-in node:sqlite) or the better-sqlite3 package on Node ${process.versions.node}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const db = new Database(path);
  return {
    engine: 'better-sqlite3',
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    immediate: (fn) => db.transaction(fn).immediate(),
    close: () => db.close(),
  };
}

/** Opens (creating it if needed) the database file, on the engine this Node provides. */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const sqlite = builtin();
  return sqlite ? openBuiltin(sqlite, path) : openBetterSqlite(path);
}
