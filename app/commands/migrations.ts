import {
  listPackages,
  postMigrationsBetween,
  whichPackage,
  type MigrationsBetween,
  type PackageSummary,
} from '../../src/domain/post-migration-lookup.js';
import { MalformedVersionError, parseVersion } from '../../src/domain/auto-deploy-version.js';
import { loadAppConfig } from '../app.js';
import { UsageError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { EXIT } from './exit.js';
import { table } from './format.js';

/**
 * `release-bot migrations which|list|rollback-check`: answers from what the job
 * track-post-deploy-migrations recorded in the store (no forge is asked).
 *   which          exit 0 found, 1 no recorded package introduced it
 *   list           exit 0
 *   rollback-check exit 0 nothing between them (safe), 1 post-migrations or unknowns between
 *                  them (unsafe), 2 a malformed version
 */

interface Global {
  config?: string;
}

async function withStore<T>(global: Global, fn: (store: Store) => Promise<T>): Promise<T> {
  const { config } = await loadAppConfig({ configPath: global.config });
  const store = await openStore(config.store);
  await store.migrate();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function when(iso: string | undefined): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '-';
}

function environmentLines(pkg: PackageSummary): string[] {
  const envs = Object.entries(pkg.environments).sort(([, a], [, b]) => a.at.localeCompare(b.at));
  if (envs.length === 0) return ['  not deployed to a tracked environment'];
  return table(envs.map(([name, d]) => [`  ${name}`, when(d.at)])).split('\n');
}

function noteText(pkg: PackageSummary): string {
  switch (pkg.note?.state) {
    case 'posted':
      return `note: ${pkg.note.url}`;
    case 'pending':
      return `note pending: ${pkg.note.reason}`;
    case 'disabled':
      return 'note: not posted (post_deploy_migrations_note was off)';
    default:
      return '';
  }
}

export async function whichCommand(
  query: string,
  options: { json?: boolean },
  global: Global,
): Promise<number> {
  if (!query.trim())
    throw new UsageError('migrations which: give a migration file or its 14-digit timestamp');
  const matches = await withStore(global, (store) => whichPackage(store, query));
  if (options.json) {
    json({ query, matches });
    return matches.length ? EXIT.ok : EXIT.failed;
  }
  if (matches.length === 0) {
    process.stderr.write(
      `no recorded package introduced a post-deploy migration matching "${query}" (see \`release-bot migrations list\`)\n`,
    );
    return EXIT.failed;
  }
  const out: string[] = [];
  for (const m of matches) {
    out.push(m.file, `  introduced by ${m.package.version} (release ${m.package.release})`);
    if (m.package.previous) out.push(`  compared with ${m.package.previous}`);
    out.push(...environmentLines(m.package).map((l) => `  ${l}`));
    const note = noteText(m.package);
    if (note) out.push(`  ${note}`);
    if (m.alsoIn.length) out.push(`  also listed by ${m.alsoIn.join(', ')}`);
    out.push('');
  }
  process.stdout.write(`${out.join('\n').trimEnd()}\n`);
  return EXIT.ok;
}

export async function listCommand(
  options: { release?: string; json?: boolean },
  global: Global,
): Promise<number> {
  const packages = await withStore(global, (store) => listPackages(store, { release: options.release }));
  if (options.json) {
    json(packages);
    return EXIT.ok;
  }
  if (packages.length === 0) {
    process.stdout.write(`no packages recorded${options.release ? ` for ${options.release}` : ''} yet\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  for (const pkg of packages) {
    const deployed = Object.entries(pkg.environments)
      .map(([env, d]) => `${env} ${when(d.at)}`)
      .join(', ');
    const count =
      pkg.migrations === null
        ? `post-migrations unknown: ${pkg.unknownReason ?? 'not compared'}`
        : pkg.migrations.length === 0
          ? 'no post-migrations'
          : `${pkg.migrations.length} post-migration(s)`;
    out.push(`${pkg.version}  ${count}`, `  ${deployed}`);
    for (const file of pkg.migrations ?? []) out.push(`  - ${file}`);
    const note = noteText(pkg);
    if (note) out.push(`  ${note}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

function formatBetween(r: MigrationsBetween): string {
  if (r.direction === 'same') return `${r.from} and ${r.to} are the same package: nothing between them`;
  const [newer, older] = r.direction === 'rollback' ? [r.from, r.to] : [r.to, r.from];
  const out: string[] = [];
  if (r.safe) out.push(`SAFE: no post-deploy migration between ${older} and ${newer}`);
  else {
    out.push(
      `UNSAFE: ${r.migrations.length} post-deploy migration(s) between ${older} and ${newer}${r.unknown.length ? `, and ${r.unknown.length} unknown` : ''}`,
    );
    if (r.direction === 'forward')
      out.push(`(note: ${r.to} is newer than ${r.from}; this is not a rollback)`);
    for (const m of r.migrations) out.push(`  - ${m.file}  (${m.package})`);
    for (const u of r.unknown) out.push(`  ? ${u.version}: ${u.reason}`);
    out.push(
      'Post-deploy migrations that ran cannot be undone by deploying an older package: roll back only to a package at or after the newest of them, or roll forward.',
    );
  }
  return out.join('\n');
}

export async function rollbackCheckCommand(
  from: string,
  to: string,
  options: { json?: boolean },
  global: Global,
): Promise<number> {
  // A malformed version is a usage error (exit 2) before anything is opened.
  for (const version of [from, to]) {
    try {
      parseVersion(version);
    } catch (error) {
      if (error instanceof MalformedVersionError) throw new UsageError(error.message);
      throw error;
    }
  }
  const result = await withStore(global, (store) => postMigrationsBetween(store, from, to));
  if (options.json) json(result);
  else process.stdout.write(`${formatBetween(result)}\n`);
  return result.safe ? EXIT.ok : EXIT.failed;
}
