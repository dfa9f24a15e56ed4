import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The container image without Docker (no engine runs here): the Dockerfile's stages are read and
 * checked, and the runtime stage's file layout is rebuilt from its own COPY lines (production
 * dependencies from a clean `npm ci --omit=dev`, the compiled dist/) and run.
 */

const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string;
  steps: Instruction[];
}

function dockerfileStages(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line)!;
    const upper = op!.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [k, v] = rest!.split('=');
      args[k!] = v ?? '';
    } else if (upper === 'FROM') {
      const [image, , name] = rest!.split(/\s+/);
      stages.push({
        from: image!.replace(/\$\{(\w+)\}/g, (_m, k: string) => args[k] ?? ''),
        name: name ?? '',
        steps: [],
      });
    } else stages.at(-1)?.steps.push({ op: upper, args: rest!.replace(/\s+/g, ' ') });
  }
  return { args, stages };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

describe('container image', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const { stages } = dockerfileStages(text);
  const runtime = stages.at(-1)!;
  const steps = (op: string) => runtime.steps.filter((s) => s.op === op).map((s) => s.args);
  const tmp = tempDir('release-bot-image-');
  afterAll(() => tmp.cleanup());

  it('is multi-stage on Node 24 LTS, with git and CA certificates in the runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24(\.|-|$)/);
    const installs = steps('RUN').join(' ');
    expect(installs).toMatch(/apt-get install .*\bgit\b/);
    expect(installs).toMatch(/apt-get install .*\bca-certificates\b/);
    // A compiler in the runtime would mean a native build there.
    expect(installs).not.toMatch(/\bg\+\+|\bmake\b|python3/);
  });

  it('runs as a numeric non-root user, checks /healthz, and bakes in no config', () => {
    const user = steps('USER').at(-1);
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(steps('HEALTHCHECK').join(' ')).toContain('/healthz');
    expect(steps('ENTRYPOINT')).toEqual(['["release-bot"]']);
    // The example config is for reading; a deploy mounts its own (and must set its own secrets).
    expect(steps('COPY').some((c) => /\bconfig\b/.test(c))).toBe(false);
    // Read-only root: writes go to the data volume and TMPDIR only.
    expect(steps('VOLUME').join(' ')).toContain('/app/.release-bot');
    expect(steps('ENV').join(' ')).toMatch(/TMPDIR=\/tmp/);
  });

  it('passes hadolint when it is installed', async (ctx) => {
    const found = await run('hadolint', ['--version']).catch(() => undefined);
    if (!found) {
      console.warn('[skipped] hadolint is not installed (not packaged by Debian): Dockerfile lint not run');
      ctx.skip();
      return;
    }
    await run('hadolint', [join(ROOT, 'Dockerfile')]);
  });

  it('runs the CLI from the runtime stage’s layout: production dependencies only, a read-only /app', async () => {
    const app = join(tmp.dir, 'app');
    const deps = join(tmp.dir, 'deps');
    mkdirSync(deps, { recursive: true });
    mkdirSync(app, { recursive: true });
    // The `deps` stage: a clean production install from the lock file.
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(deps, f));
    await run(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      {
        cwd: deps,
      },
    );
    // The runtime stage's COPY lines, applied to a temp /app (the build stage's dist/ is the one
    // test/global-setup.ts just compiled with the same tsconfig.build.json).
    for (const copy of steps('COPY')) {
      const parts = copy.split(' ');
      const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
      const [source, target] = parts as [string, string];
      const origin = from === 'deps' ? deps : ROOT;
      const src = join(origin, source.replace(/^\/app\//, ''));
      const dst = join(app, target.replace(/^\.\//, '').replace(/^\/app\/?/, ''));
      expect(existsSync(src), `${copy}: ${src}`).toBe(true);
      cpSync(src, dst === app ? join(app, source) : dst, { recursive: true });
    }
    const before = files(app);
    expect(before).toContain('dist/app/cli.js');
    // No simulator and no demo in the image: they are development code (issue 19).
    expect(before.filter((f) => /^dist\/(packages|demo)\//.test(f) || f.includes('forge-sandbox'))).toEqual(
      [],
    );
    expect(before.some((f) => f.startsWith('node_modules/vitest/'))).toBe(false);
    expect(before.some((f) => f.startsWith('node_modules/typescript/'))).toBe(false);

    const configDir = join(tmp.dir, 'mounted-config');
    mkdirSync(configDir);
    cpSync(join(ROOT, 'config/release-bot.yaml'), join(configDir, 'release-bot.yaml'));
    const env = {
      ...process.env,
      RELEASE_BOT_CONFIG: join(configDir, 'release-bot.yaml'),
      GITLAB_TOKEN: 'glpat-image-test',
      GITHUB_TOKEN: 'ghp_image_test',
      SLACK_WEBHOOK_RELEASES: 'https://hooks.slack.com/services/T1/B1/image',
      SENTRY_API_TOKEN: 'sntrys_image',
      PROMETHEUS_TOKEN: 'prom-image',
    };
    const cli = (args: string[]) =>
      run(process.execPath, [join(app, 'dist/app/cli.js'), ...args], { cwd: app, env });
    expect((await cli(['--version'])).stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
    expect((await cli(['config', 'validate'])).stdout).toContain('valid');
    expect((await cli(['list'])).stdout).toContain('heartbeat');
    // The demo needs the simulator: the image says where to run it instead of crashing.
    const demo = await cli(['demo']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain('run from a clone');
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    if (major > 22 || (major === 22 && minor >= 13)) {
      // The image's Node: the store works without the (unbuilt) better-sqlite3 addon.
      // A config with no forge (the example's would reach gitlab.com).
      const minimal = join(configDir, 'minimal.yaml');
      writeFileSync(minimal, 'store: { path: ../.release-bot/state.db }\njobs:\n  heartbeat: {}\n');
      const result = JSON.parse((await cli(['--config', minimal, 'run', 'heartbeat', '--json'])).stdout) as {
        run: { status: string };
      };
      expect(result.run.status).toBe('noop');
      // The store went to the data volume (the example's ../.release-bot relative to /app/config).
      expect(existsSync(join(tmp.dir, '.release-bot/state.db'))).toBe(true);
    } else
      console.warn(
        `[partial] Node ${process.versions.node}: the image's store needs Node 24 (node:sqlite); run skipped`,
      );
    // Nothing was written under /app: a read-only root filesystem is enough.
    expect(files(app)).toEqual(before);
    expect(relative(app, join(tmp.dir, '.release-bot')).startsWith('..')).toBe(true);
  }, 180_000);
});
