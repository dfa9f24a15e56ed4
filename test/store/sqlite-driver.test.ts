import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src/store/sqlite-driver.js';

/** The store's SQLite engine: built-in on Node ≥ 22.13 (CI runs Node 24), better-sqlite3 on Node 20. */
describe('SQLite driver', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const builtin = major > 22 || (major === 22 && minor >= 13);

  it(`uses ${builtin ? 'node:sqlite' : 'better-sqlite3'} on Node ${process.versions.node}`, () => {
    const db = openSqliteDatabase(':memory:');
    expect(db.engine).toBe(builtin ? 'node:sqlite' : 'better-sqlite3');
    db.close();
  });

  it('commits a transaction, rolls back a failed one, and nests with a savepoint', () => {
    const db = openSqliteDatabase(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    db.immediate(() => db.prepare('INSERT INTO t VALUES (?)').run(1));
    expect(() =>
      db.immediate(() => {
        db.prepare('INSERT INTO t VALUES (?)').run(2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    db.immediate(() => {
      db.prepare('INSERT INTO t VALUES (?)').run(3);
      expect(() =>
        db.immediate(() => {
          db.prepare('INSERT INTO t VALUES (?)').run(4);
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(
      db
        .prepare('SELECT x FROM t ORDER BY x')
        .all()
        .map((r) => (r as { x: number }).x),
    ).toEqual([1, 3]);
    expect(db.prepare('UPDATE t SET x = x + 1').run().changes).toBe(2);
    db.close();
  });
});
