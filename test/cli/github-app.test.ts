import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { appTokenSource } from '../../src/forges/github/app-auth.js';
import { createGithubApp, simApps } from '../../packages/forge-sandbox/src/github/apps.js';
import { startSimulator, type Simulator } from '../../packages/forge-sandbox/src/simulator.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * GitHub App auth end to end: the bot signs a JWT with the App's key, the simulator checks it and
 * mints an installation token, and every API request of the run uses that token — never the key.
 */
describe('GitHub App auth', () => {
  const tmp = tempDir();
  let sim: Simulator;
  let app: ReturnType<typeof createGithubApp>;

  beforeAll(async () => {
    sim = await startSimulator({ dir: join(tmp.dir, 'sim') });
    sim.createUser('acme');
    app = createGithubApp(sim.world, { slug: 'acme-release-bot', account: 'acme' });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('runs a job on an installation token found from the owner, with the key and token masked', async () => {
    const file = join(tmp.dir, 'app.yaml');
    writeFileSync(
      file,
      stringify({
        forges: {
          github: {
            type: 'github',
            url: sim.github.url,
            apiUrl: sim.github.apiUrl,
            app: { appId: app.appId, privateKey: '${GITHUB_APP_PRIVATE_KEY}', installationOwner: 'acme' },
          },
        },
        store: { path: 'state.db' },
        jobs: { heartbeat: {} },
      }),
    );
    const since = sim.mark();
    const result = await runCli(['--config', file, 'run', 'heartbeat', '--json', '--log-level', 'debug'], {
      env: { GITHUB_APP_PRIVATE_KEY: app.privateKey },
    });
    expect(result.code, result.stderr).toBe(0);
    const run = (JSON.parse(result.stdout) as { run: { status: string; summary: string } }).run;
    expect(run.status).toBe('ok');
    const requests = sim.requests({ since });
    expect(requests.map((r) => r.route)).toEqual(
      expect.arrayContaining([
        'GET /users/:username/installation',
        'POST /app/installations/:installation_id/access_tokens',
      ]),
    );
    // The job's own requests were made as the App's bot user, with the minted token.
    expect(requests.filter((r) => r.route === 'GET /user').map((r) => r.user)).toEqual([app.botUsername]);
    const minted = simApps(sim.world).get(app.appId)!.tokens;
    expect(minted).toHaveLength(1);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain(minted[0]!.token);
    for (const line of app.privateKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')))
      expect(output).not.toContain(line);
  });

  it('mints a new installation token before the old one expires, and reuses it until then', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const source = appTokenSource(
      { appId: app.appId, privateKey: app.privateKey, installationId: app.installationId },
      sim.github.apiUrl,
      fetch,
    );
    const first = await source.headers();
    expect(await source.headers()).toEqual(first);
    const tokens = simApps(sim.world).get(app.appId)!.tokens;
    const before = tokens.length;
    // 59½ minutes later the token has 30 s left: the next request gets a fresh one.
    vi.setSystemTime(Date.now() + 59.5 * 60_000);
    const second = await source.headers();
    expect(second).not.toEqual(first);
    expect(tokens).toHaveLength(before + 1);
    expect(second.authorization).toBe(`Bearer ${tokens.at(-1)!.token}`);
  });

  it('refuses a JWT signed with another key (401), and config validate asks for installationId or installationOwner', async () => {
    const other = createGithubApp(sim.world, { slug: 'other-app', account: 'acme' });
    const forged = appTokenSource(
      { appId: app.appId, privateKey: other.privateKey, installationId: app.installationId },
      sim.github.apiUrl,
      fetch,
    );
    await expect(forged.headers()).rejects.toThrow(/JSON web token could not be decoded/);
    const file = join(tmp.dir, 'bad-app.yaml');
    writeFileSync(
      file,
      stringify({
        forges: {
          github: { type: 'github', url: sim.github.url, app: { appId: 1, privateKey: 'not a key' } },
          gitlab: { type: 'gitlab', url: sim.gitlab.url },
        },
      }),
    );
    const result = await runCli(['config', 'validate', file, '--json']);
    expect(result.code).toBe(2);
    expect((JSON.parse(result.stdout) as { problems: string[] }).problems.sort()).toEqual([
      'forges.github.app.privateKey: expected a PEM private key',
      'forges.github.app: set installationId or installationOwner',
      'forges.gitlab.token: required',
    ]);
  });
});
