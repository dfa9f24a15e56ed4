import { execFileSync } from 'node:child_process';
import { Gitlab } from '@gitbeaker/rest';
import { expect } from 'vitest';
import { ACCESS } from '../../../packages/forge-sandbox/src/core/world.js';
import { startSimulator, type Simulator } from '../../../packages/forge-sandbox/src/simulator.js';

export type Api = InstanceType<typeof Gitlab>;

export interface Fixture {
  sim: Simulator;
  /** Maintainer (the bot's account). */
  api: Api;
  token: string;
  /** Developer on org/app. */
  dev: Api;
  devToken: string;
  /** A user with no access to org/app. */
  strangerToken: string;
  /** A maintainer token with only `read_api`. */
  readToken: string;
  /** `fetch` against the GitLab listener with the bot's token unless told otherwise. */
  raw(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export function client(sim: Simulator, token: string): Api {
  return new Gitlab({ host: sim.gitlab.url, token });
}

/** A simulator with `org/app` (main + protected main), a maintainer bot, a developer and a stranger. */
export async function setup(
  files: Record<string, string> = { 'README.md': '# app\n', VERSION: '1.0.0\n' },
): Promise<Fixture> {
  const sim = await startSimulator();
  const { token } = sim.createUser('bot', { name: 'Release Bot', bot: true });
  const { token: devToken } = sim.createUser('dev', { name: 'Dee Veloper' });
  const { token: strangerToken } = sim.createUser('stranger');
  const readToken = sim.world.createToken('bot', { scopes: ['read_api'] });
  await sim.createProject({
    forge: 'gitlab',
    path: 'org/app',
    members: ['bot', `dev:${ACCESS.developer}`],
    files,
    protectedBranches: ['main'],
  });
  return {
    sim,
    api: client(sim, token),
    token,
    dev: client(sim, devToken),
    devToken,
    strangerToken,
    readToken,
    raw(path, init = {}) {
      const headers = new Headers(init.headers);
      const t = init.token === undefined ? token : init.token;
      if (t) headers.set('private-token', t);
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${sim.gitlab.url}${path}`, { ...init, headers });
    },
    close: () => sim.close(),
  };
}

/** gitbeaker wraps HTTP errors; this checks the status and the error description. */
export async function expectError(
  promise: Promise<unknown>,
  status: number,
  description?: string | RegExp,
): Promise<void> {
  const error = (await promise.then(
    () => {
      throw new Error(`expected HTTP ${status}, the request succeeded`);
    },
    (e: unknown) => e,
  )) as { cause?: { response?: Response; description?: string } };
  expect(error.cause?.response?.status).toBe(status);
  if (typeof description === 'string') expect(error.cause?.description).toBe(description);
  else if (description) expect(error.cause?.description).toMatch(description);
}

/** Push a commit as the bot straight into the world (not through the API). */
export function push(
  fx: Fixture,
  branch: string,
  files: Record<string, string | null>,
  message = 'change',
): Promise<string> {
  return fx.sim.push({ forge: 'gitlab', project: 'org/app', branch, files, message, username: 'bot' });
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const SHA = /^[0-9a-f]{40}$/;

/**
 * Commits written straight into the bare repository with one `git fast-import` (fast; no push
 * events, so no pipelines). Each entry: files to write, message, committer time (ms).
 */
export function importCommits(
  fx: Fixture,
  branch: string,
  commits: { files: Record<string, string>; message: string; at: number }[],
): string[] {
  const repo = fx.sim.project('gitlab', 'org/app').repo;
  const head = execFileSync('git', ['rev-parse', `refs/heads/${branch}`], { cwd: repo.dir })
    .toString()
    .trim();
  let script = '';
  commits.forEach((c, i) => {
    const seconds = Math.floor(c.at / 1000);
    script += `commit refs/heads/${branch}\nmark :${i + 1}\n`;
    script += `author Release Bot <bot@example.com> ${seconds} +0000\n`;
    script += `committer Release Bot <bot@example.com> ${seconds} +0000\n`;
    script += `data ${Buffer.byteLength(c.message)}\n${c.message}\n`;
    if (i === 0) script += `from ${head}\n`;
    for (const [path, content] of Object.entries(c.files))
      script += `M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
  });
  script += commits.map((_, i) => `get-mark :${i + 1}\n`).join('');
  const out = execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: script }).toString();
  return out.split('\n').filter(Boolean);
}
