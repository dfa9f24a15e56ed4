import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ForgeError, NotFastForwardError, TransientError } from '../../errors.js';
import { mask } from '../../secrets/masker.js';
import type { GitlabClient } from './client.js';

/**
 * GitLab has no REST endpoint that moves a branch to an arbitrary commit, so the branch is moved
 * with a git push over smart HTTP, from a throwaway bare repository holding just the history of
 * `sha` (blobs left on the server where it allows partial fetches, as GitLab does). The token
 * travels as an `http.extraHeader` in the environment (GIT_CONFIG_*), never on the command line
 * or in the URL. push.negotiate lets the server say which commits it already has, so pushing a
 * commit the server holds sends (almost) nothing.
 */

const PUSH_TIMEOUT_MS = 10 * 60_000;

function gitEnv(client: GitlabClient, project: string, home: string): Record<string, string> {
  const basic = Buffer.from(`oauth2:${client.token}`).toString('base64');
  const config: [string, string][] = [
    ['http.extraHeader', `Authorization: Basic ${basic}`],
    // A named remote (not a bare URL): partial-clone bookkeeping needs one.
    ['remote.origin.url', repoUrl(client, project)],
    ['push.negotiate', 'true'],
    // After a redirect of its first request git talks to the new host, extra header included:
    // a redirect elsewhere would hand it the token. GitLab's git endpoints do not redirect.
    ['http.followRedirects', 'false'],
  ];
  // HOME and XDG_CONFIG_HOME point at the throwaway dir and there is no system config, so no
  // credential helper or askpass of the host can run; GIT_TERMINAL_PROMPT=0 forbids prompting.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_COUNT: String(config.length),
    LANG: 'C',
    LC_ALL: 'C',
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

function repoUrl(client: GitlabClient, project: string): string {
  return `${client.webUrl}/${project.split('/').map(encodeURIComponent).join('/')}.git`;
}

/** git's output → our typed errors. */
function classify(client: GitlabClient, project: string, branch: string, output: string): Error {
  const text = mask(output.trim());
  const route = `git push ${project} refs/heads/${branch}`;
  if (/\(non-fast-forward\)|\(fetch first\)|\[rejected\]/.test(text) && !/remote rejected/.test(text))
    return new NotFastForwardError(
      `${client.forge}: moving ${branch} in ${project} is not a fast-forward (git refused: ${lastLine(text)})`,
      409,
      client.forge,
      route,
    );
  const gitlabReason = /GitLab: ([^\n]+)/.exec(text)?.[1];
  if (gitlabReason || /pre-receive hook declined|protected branch/i.test(text))
    return new ForgeError(
      `${client.forge}: ${branch} in ${project} is protected: ${gitlabReason ?? lastLine(text)}`,
      403,
      client.forge,
      route,
    );
  if (/could not be found|not found|404/i.test(text) && /repository/i.test(text))
    return new ForgeError(
      `${client.forge}: ${project}: repository not found (${lastLine(text)})`,
      404,
      client.forge,
      route,
    );
  if (/Authentication failed|401|Access denied/i.test(text))
    return new ForgeError(`${client.forge}: ${project}: git authentication failed`, 401, client.forge, route);
  if (/403|not allowed/i.test(text))
    return new ForgeError(`${client.forge}: ${project}: ${lastLine(text)}`, 403, client.forge, route);
  if (/unable to access|Could not resolve|Connection|timed out|50[0-9]|early EOF|RPC failed/i.test(text))
    return new TransientError(`${client.forge}: ${route} failed: ${lastLine(text)}`);
  return new ForgeError(`${client.forge}: ${route} failed: ${lastLine(text)}`, 500, client.forge, route);
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && !/^(To|hint:)/.test(l.trim()));
  return lines.slice(-2).join(' | ');
}

export async function pushBranch(
  client: GitlabClient,
  project: string,
  branch: string,
  sha: string,
  force: boolean,
): Promise<void> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
    throw new Error(`updateBranch needs a full commit sha, got "${sha}"`);
  const fence = client.options.http?.fence;
  const what = `git push ${project} refs/heads/${branch} on ${client.forge}`;
  await fence?.guard(what);
  const dir = await mkdtemp(join(tmpdir(), 'release-bot-push-'));
  const signal = client.options.http?.signal;
  try {
    const git: SimpleGit = simpleGit({
      baseDir: dir,
      timeout: { block: PUSH_TIMEOUT_MS },
      // The GIT_CONFIG_* variables are ours (the auth header and push options), not user input.
      unsafe: { allowUnsafeConfigEnvCount: true },
      ...(signal ? { abort: signal } : {}),
    }).env(gitEnv(client, project, dir));
    const run = async (args: string[]) => {
      try {
        return await git.raw(args);
      } catch (error) {
        throw classify(client, project, branch, (error as Error).message);
      }
    };
    await run(['init', '--bare', '--quiet']);
    await run(['fetch', '--quiet', '--no-tags', '--filter=blob:none', 'origin', sha]);
    const refspec = `${force ? '+' : ''}${sha}:refs/heads/${branch}`;
    // The fetch above only reads (and may take a while); the push is the write the lease fences.
    await fence?.guard(what);
    const out = await run(['push', '--porcelain', 'origin', refspec]);
    // --porcelain reports rejections on stdout with exit code 0 in some git versions.
    if (/^!\s/m.test(out)) throw classify(client, project, branch, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
