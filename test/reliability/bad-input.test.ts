import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLocalServer,
  type LocalServer,
} from '../../packages/forge-sandbox/src/receivers/local-server.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writePart } from './support/figures.js';

/**
 * The bad-input corpus (test/reliability/bad-input/*.yaml, one case per file): malformed and
 * wrong configs, bad flags, forges answering garbage. Each case runs the real CLI and must give
 * a clear error (the expected text), the documented exit code (2 for config/usage, 1 for a
 * recorded failed run), and zero writes to any forge.
 *
 * Placeholders in a case: {config} (the case's config file), {gitlab} and {token} (the simulator
 * and a token of this case's own user), {offBranchSha}, {missing} (a path that does not exist).
 * `config: standard` is a working config on the simulator; `config: broken` points the forge at a
 * server answering `forge` to every request; `config: oversized` is the standard one past 1 MiB.
 */

interface Case {
  file: string;
  description: string;
  /** `input-grammar`: a case of the input-grammar promise (SECURITY.md), counted on its own line too. */
  principle?: string;
  args: string[];
  config?: string;
  forge?: { status: number; contentType: string; body: string };
  expect: { exit: number; stderr?: string[]; stdout?: string[]; writes?: number; recorded?: string };
}

const DIR = fileURLToPath(new URL('./bad-input/', import.meta.url));
const cases: Case[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file, ...(parse(readFileSync(join(DIR, file), 'utf8')) as Omit<Case, 'file'>) }));

function standardConfig(gitlab: string, github: string, token: string, store: string): string {
  return `
forges:
  gl: { type: gitlab, url: "${gitlab}", token: "${token}", retries: 1 }
  gh: { type: github, url: "${github}", apiUrl: "${github}", token: "${token}", retries: 1 }
store: { path: ${JSON.stringify(store)} }
jobs:
  heartbeat: {}
  update-component:
    components:
      - name: gitaly
        source: { forge: gl, project: org/gitaly }
        target: { forge: gl, project: org/gitlab, versionFile: GITALY_SERVER_VERSION }
  promote-packages:
    staging: { forge: gl, project: org/staging }
    public: { forge: gl, project: org/public }
    packages: [{ name: gitlab-ce }]
`;
}

describe('bad input corpus', () => {
  const tmp = tempDir('release-bot-bad-input-');
  let sim: Simulator;
  let offBranchSha = '';
  const servers: LocalServer[] = [];
  const results = new Map<string, { result: CliResult; writes: number; recorded: string[] }>();

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    sim.createUser('seed');
    const gitaly = await sim.createProject({
      forge: 'gitlab',
      path: 'org/gitaly',
      members: ['seed'],
      visibility: 'internal',
    });
    const root = (await gitaly.repo.branchSha('main'))!;
    await sim.ci.createPipeline({
      project: gitaly,
      ref: 'main',
      sha: root,
      userId: 1,
      outcome: { result: 'success' },
    });
    offBranchSha = await sim.push({
      forge: 'gitlab',
      project: 'org/gitaly',
      branch: 'side',
      files: { x: '1' },
      message: 'side',
    });
    await sim.advance(3_600_000);
    for (const path of ['org/gitlab', 'org/staging', 'org/public'])
      await sim.createProject({
        forge: 'gitlab',
        path,
        members: ['seed'],
        files: { GITALY_SERVER_VERSION: `${root}\n` },
      });

    // Cases run a few at a time; each has its own user, store and config, so writes are counted per case.
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) await runCase(c);
    };
    async function runCase(c: Case): Promise<void> {
      const name = c.file.replace(/\.yaml$/, '');
      const { token } = sim.createUser(`u-${name}`);
      for (const p of ['org/gitaly', 'org/gitlab', 'org/staging', 'org/public'])
        sim.project('gitlab', p).members.set(sim.world.userByName(`u-${name}`)!.id, 40);
      const store = join(tmp.dir, `${name}.db`);
      const configPath = join(tmp.dir, `${name}.yaml`);
      let brokenWrites = 0;
      let text = c.config ?? '';
      if (c.config === 'standard') text = standardConfig(sim.gitlab.url, sim.github.url, token, store);
      // A working config padded with comments past the size limit: refused for its size alone.
      if (c.config === 'oversized')
        text = `${standardConfig(sim.gitlab.url, sim.github.url, token, store)}${`# ${'x'.repeat(98)}\n`.repeat(11_000)}`;
      if (c.config === 'broken') {
        const answer = c.forge!;
        const body = answer.body === 'huge' ? `<html>${'x'.repeat(50 * 1024 * 1024)}</html>` : answer.body;
        const server = await startLocalServer((req, res) => {
          if (req.method !== 'GET' && req.method !== 'HEAD') brokenWrites++;
          res.writeHead(answer.status, { 'content-type': answer.contentType });
          res.end(body);
        });
        servers.push(server);
        text = standardConfig(server.baseUrl, server.baseUrl, token, store);
      }
      const fill = (s: string) =>
        s
          .replaceAll('{config}', configPath)
          .replaceAll('{gitlab}', sim.gitlab.url)
          .replaceAll('{token}', token)
          .replaceAll('{offBranchSha}', offBranchSha)
          .replaceAll('{missing}', join(tmp.dir, 'does-not-exist.yaml'));
      writeFileSync(configPath, fill(text));
      const result = await runCli(c.args.map(fill), { cwd: tmp.dir, env: { RELEASE_BOT_LOG_LEVEL: 'warn' } });
      const writes = sim
        .requests()
        .filter((r) => r.user === `u-${name}` && r.method !== 'GET' && r.method !== 'HEAD').length;
      let recorded: string[] = [];
      if (c.expect.recorded) {
        const s = openSqliteStore(store);
        recorded = (await s.listRuns()).map((r) => r.status);
        await s.close();
      }
      results.set(c.file, { result, writes: writes + brokenWrites, recorded });
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
  }, 600_000);

  let held = 0;
  const heldFiles = new Set<string>();
  afterAll(async () => {
    writePart('bad-input', {
      summary: `bad input: ${held}/${cases.length} cases gave a clear error (exit 2 or a recorded failed run) with zero writes`,
      checked: cases.length,
      held,
    });
    const grammar = cases.filter((c) => c.principle === 'input-grammar');
    const refused = grammar.filter((c) => heldFiles.has(c.file)).length;
    writePart('input-grammar', {
      summary: `input grammar: ${refused}/${grammar.length} bad names, branches, paths, --set keys, alias bombs and oversized configs refused (exit 2, nothing written)`,
      checked: grammar.length,
      held: refused,
    });
    for (const s of servers) await s.close();
    await sim.close();
    tmp.cleanup();
  });

  it('has at least 40 cases, kept as data files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of cases) {
    it(`${c.file}: ${c.description}`, () => {
      const { result, writes, recorded } = results.get(c.file)!;
      const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      expect(result.code, context).toBe(c.expect.exit);
      for (const text of c.expect.stderr ?? []) expect(result.stderr, context).toContain(text);
      for (const text of c.expect.stdout ?? []) expect(result.stdout, context).toContain(text);
      expect(result.stderr, 'no crash / stack trace').not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
      expect(writes, 'writes to a forge').toBe(c.expect.writes ?? 0);
      if (c.expect.recorded) expect(recorded).toContain(c.expect.recorded);
      held++;
      heldFiles.add(c.file);
    });
  }
});
