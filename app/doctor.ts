import { jobs as allJobs } from './jobs.js';
import type { Config, ForgeConfig } from '../src/config/schema.js';
import { errorMessage } from '../src/errors.js';
import { appTokenSource } from '../src/forges/github/app-auth.js';
import { mask } from '../src/secrets/masker.js';

/**
 * `release-bot doctor`: for each enabled job, whether what it needs is there before its first
 * run — the forge answers, the token is accepted and has the scope the job needs, the projects it
 * names are visible to the bot, Slack and Sentry are reachable. Reads only; sends no message.
 */

export interface DoctorCheck {
  /** What was checked: `forge gitlab: token scopes`, `slack #releases`, … */
  subject: string;
  ok: boolean;
  detail: string;
}

/** GitLab token scopes per job: heartbeat only reads; every other job writes (notes, MRs, retries, pushes). */
function gitlabScopeFor(job: string): 'api' | 'read_api' {
  return job === 'heartbeat' ? 'read_api' : 'api';
}

/** `{ forge, project }` pairs anywhere in a job's options; a `project` without `forge` takes the nearest one above. */
function projectsIn(value: unknown, forge?: string, out: { forge: string; project: string }[] = []) {
  if (Array.isArray(value)) value.forEach((v) => projectsIn(v, forge, out));
  else if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const here = typeof node.forge === 'string' ? node.forge : forge;
    if (here && typeof node.project === 'string') out.push({ forge: here, project: node.project });
    for (const [key, child] of Object.entries(node)) if (key !== 'forge') projectsIn(child, here, out);
  }
  return out;
}

function apiBase(forge: ForgeConfig): string {
  if (forge.type === 'gitlab')
    return `${(forge.apiUrl ?? forge.url).replace(/\/+$/, '')}${forge.apiUrl ? '' : '/api/v4'}`;
  if (forge.apiUrl) return forge.apiUrl.replace(/\/+$/, '');
  return new URL(forge.url).hostname === 'github.com'
    ? 'https://api.github.com'
    : `${forge.url.replace(/\/+$/, '')}/api/v3`;
}

async function get(url: string, headers: Record<string, string>, timeoutSeconds: number) {
  return fetch(url, { headers, signal: AbortSignal.timeout(timeoutSeconds * 1000), redirect: 'manual' });
}

const GITLAB_LEVELS: Record<number, string> = {
  10: 'guest',
  15: 'planner',
  20: 'reporter',
  30: 'developer',
  40: 'maintainer',
  50: 'owner',
};

async function checkGitlab(
  name: string,
  forge: ForgeConfig,
  needs: { jobs: string[]; projects: string[] },
): Promise<DoctorCheck[]> {
  const base = apiBase(forge);
  const headers = { 'PRIVATE-TOKEN': forge.token ?? '', accept: 'application/json' };
  const checks: DoctorCheck[] = [];
  const self = await get(`${base}/personal_access_tokens/self`, headers, forge.timeoutSeconds);
  if (self.status === 401)
    return [
      {
        subject: `forge ${name}: token`,
        ok: false,
        detail: `${base} rejected the token (401): revoked, expired or mistyped`,
      },
    ];
  if (!self.ok)
    return [
      {
        subject: `forge ${name}: token`,
        ok: false,
        detail: `${base}/personal_access_tokens/self answered ${self.status}`,
      },
    ];
  const token = (await self.json()) as { scopes?: string[]; expires_at?: string | null; active?: boolean };
  const scopes = token.scopes ?? [];
  checks.push({
    subject: `forge ${name}: token`,
    ok: token.active !== false,
    detail: `accepted; scopes ${scopes.join(', ') || 'none'}${token.expires_at ? `; expires ${token.expires_at}` : ''}`,
  });
  for (const job of needs.jobs) {
    const scope = gitlabScopeFor(job);
    const has = scopes.includes('api') || scopes.includes(scope);
    checks.push({
      subject: `forge ${name}: scope for ${job}`,
      ok: has,
      detail: has
        ? `"${scope}" granted`
        : `the token lacks scope "${scope}" (has: ${scopes.join(', ') || 'none'}); ${job} needs it`,
    });
  }
  for (const project of needs.projects) {
    const res = await get(`${base}/projects/${encodeURIComponent(project)}`, headers, forge.timeoutSeconds);
    if (!res.ok) {
      checks.push({
        subject: `forge ${name}: project ${project}`,
        ok: false,
        detail: res.status === 404 ? 'not found, or the bot is not a member' : `answered ${res.status}`,
      });
      continue;
    }
    const body = (await res.json()) as {
      visibility?: string;
      permissions?: {
        project_access?: { access_level: number } | null;
        group_access?: { access_level: number } | null;
      };
    };
    const level = Math.max(
      body.permissions?.project_access?.access_level ?? 0,
      body.permissions?.group_access?.access_level ?? 0,
    );
    checks.push({
      subject: `forge ${name}: project ${project}`,
      ok: level > 0 || body.visibility === 'public',
      detail:
        level > 0
          ? `member (${GITLAB_LEVELS[level] ?? level})`
          : body.visibility === 'public'
            ? 'public, the bot is not a member (reads only)'
            : 'visible but the bot is not a member',
    });
  }
  return checks;
}

async function checkGithub(
  name: string,
  forge: ForgeConfig,
  needs: { jobs: string[]; projects: string[] },
): Promise<DoctorCheck[]> {
  const base = apiBase(forge);
  const checks: DoctorCheck[] = [];
  let auth: Record<string, string>;
  if (forge.app) {
    // An installation token cannot read /user: minting one is the token check.
    try {
      const source = appTokenSource(forge.app, base, fetch);
      auth = await source.headers();
      checks.push({
        subject: `forge ${name}: GitHub App ${forge.app.appId}`,
        ok: true,
        detail: `installation ${await source.installationId()}: token minted`,
      });
    } catch (error) {
      return [
        { subject: `forge ${name}: GitHub App ${forge.app.appId}`, ok: false, detail: errorMessage(error) },
      ];
    }
  } else {
    auth = { authorization: `Bearer ${forge.token ?? ''}` };
    const user = await get(
      `${base}/user`,
      { ...auth, accept: 'application/vnd.github+json' },
      forge.timeoutSeconds,
    );
    if (user.status === 401)
      return [
        {
          subject: `forge ${name}: token`,
          ok: false,
          detail: `${base} rejected the token (401): revoked, expired or mistyped`,
        },
      ];
    const scopes = user.headers.get('x-oauth-scopes');
    checks.push({
      subject: `forge ${name}: token`,
      ok: user.ok,
      detail: user.ok
        ? scopes === null
          ? 'accepted (fine-grained token: permissions checked per repository)'
          : `accepted; scopes ${scopes || 'none'}`
        : `/user answered ${user.status}`,
    });
  }
  const headers = { ...auth, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  const writes = needs.jobs.some((j) => j !== 'heartbeat');
  for (const project of needs.projects) {
    const res = await get(`${base}/repos/${project}`, headers, forge.timeoutSeconds);
    if (!res.ok) {
      checks.push({
        subject: `forge ${name}: repository ${project}`,
        ok: false,
        detail: res.status === 404 ? 'not found, or the token cannot see it' : `answered ${res.status}`,
      });
      continue;
    }
    const permissions = ((await res.json()) as { permissions?: Record<string, boolean> }).permissions ?? {};
    const push = permissions.push === true;
    checks.push({
      subject: `forge ${name}: repository ${project}`,
      ok: push || !writes,
      detail: push
        ? 'push permission'
        : writes
          ? `no push permission (${needs.jobs.filter((j) => j !== 'heartbeat').join(', ')} write here)`
          : 'read access',
    });
  }
  return checks;
}

/** Any HTTP answer means reachable: no Slack message is posted, no Sentry event sent. */
async function reachable(subject: string, url: string): Promise<DoctorCheck> {
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(10_000), redirect: 'manual' });
    return { subject, ok: true, detail: `reachable (${new URL(url).host} answered ${res.status})` };
  } catch (error) {
    return { subject, ok: false, detail: `unreachable: ${errorMessage(error)}` };
  }
}

export async function runDoctor(config: Config): Promise<DoctorCheck[]> {
  const enabled = allJobs.filter((j) => config.jobs[j.name] && config.jobs[j.name]?.enabled !== false);
  const perForge = new Map<string, { jobs: string[]; projects: string[] }>();
  const channels = new Set<string>();
  for (const job of enabled) {
    const section = config.jobs[job.name]!;
    const found = projectsIn(section);
    // heartbeat checks every forge.
    const forges =
      job.name === 'heartbeat' ? Object.keys(config.forges) : [...new Set(found.map((p) => p.forge))];
    for (const forge of forges) {
      const entry = perForge.get(forge) ?? { jobs: [], projects: [] };
      entry.jobs.push(job.name);
      for (const p of found)
        if (p.forge === forge && !entry.projects.includes(p.project)) entry.projects.push(p.project);
      perForge.set(forge, entry);
    }
    const channel = section.slackChannel ?? config.slack.defaultChannel;
    if (channel) channels.add(channel);
  }
  const checks: DoctorCheck[] = [];
  if (enabled.length === 0)
    checks.push({ subject: 'jobs', ok: false, detail: 'no job is configured and enabled' });
  for (const [name, needs] of perForge) {
    const forge = config.forges[name];
    if (!forge) continue; // config validate names it
    try {
      checks.push(
        ...(forge.type === 'gitlab'
          ? await checkGitlab(name, forge, needs)
          : await checkGithub(name, forge, needs)),
      );
    } catch (error) {
      checks.push({
        subject: `forge ${name}`,
        ok: false,
        detail: `${apiBase(forge)} unreachable: ${errorMessage(error)}`,
      });
    }
  }
  for (const channel of channels) {
    const webhook = config.slack.channels[channel]?.webhookUrl;
    if (webhook) checks.push(await reachable(`slack #${channel}`, webhook));
  }
  if (config.sentry) {
    const dsn = new URL(config.sentry.dsn);
    checks.push(await reachable('sentry', `${dsn.protocol}//${dsn.host}/`));
  }
  return checks.map((c) => ({ ...c, detail: mask(c.detail) }));
}
