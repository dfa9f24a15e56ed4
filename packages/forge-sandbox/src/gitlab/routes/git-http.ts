import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { SimProject } from '../../core/model.js';
import type { SimRequest, SimResponse } from '../../core/server.js';
import { ACCESS } from '../../core/world.js';
import type { Gitlab } from '../context.js';

/**
 * Git smart HTTP on the GitLab listener (`/<namespace>/<project>.git/info/refs`, `git-upload-pack`,
 * `git-receive-pack`), served by `git http-backend` as CGI. Authentication is HTTP Basic with the
 * token as password (`oauth2:<token>`, as GitLab accepts). A pre-receive hook enforces GitLab's
 * protected-branch rules; after a push the changed refs are announced to the world so CI runs and
 * merge requests update, exactly as for API writes.
 */

const ZERO = '0'.repeat(40);

const PRE_RECEIVE = `#!/bin/sh
# Simulated GitLab protected-branch checks (env: SIM_LEVEL, SIM_PROTECTED = "pattern<TAB>level<TAB>force" lines).
zero=${ZERO}
tab=$(printf '\\t')
status=0
while read -r old new ref; do
  case "$ref" in
    refs/heads/*) branch=\${ref#refs/heads/} ;;
    *) continue ;;
  esac
  rule=""
  while IFS="$tab" read -r pattern level force; do
    [ -z "$pattern" ] && continue
    if [ "$pattern" = "$branch" ]; then rule="$level $force"; break; fi
    case "$branch" in $pattern) [ -z "$rule" ] && rule="$level $force" ;; esac
  done <<RULES
$SIM_PROTECTED
RULES
  [ -z "$rule" ] && continue
  set -- $rule
  if [ "$new" = "$zero" ]; then
    echo "GitLab: You can only delete protected branches using the web interface." >&2
    status=1; continue
  fi
  if [ "$1" = 0 ] || [ "$SIM_LEVEL" -lt "$1" ]; then
    echo "GitLab: You are not allowed to push code to protected branches on this project." >&2
    status=1; continue
  fi
  if [ "$old" != "$zero" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
    if [ "$2" != 1 ]; then
      echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
      status=1; continue
    fi
  fi
done
exit $status
`;

type Service = 'git-upload-pack' | 'git-receive-pack';

function textResponse(status: number, text: string, headers: Record<string, string> = {}): SimResponse {
  return { status, body: text, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } };
}

async function refSnapshot(project: SimProject): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const b of await project.repo.listBranches()) refs.set(`refs/heads/${b.name}`, b.sha);
  for (const t of await project.repo.listTags()) refs.set(`refs/tags/${t.name}`, t.sha);
  return refs;
}

interface BackendOutput {
  status: number;
  headers: Record<string, string>;
  body: Readable;
  /** Resolves with stderr when the process has exited. */
  done: Promise<string>;
}

/** Run http-backend; resolve once its CGI headers are parsed, with the rest of stdout as the body. */
function runBackend(env: Record<string, string>, input: Readable | null): Promise<BackendOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<string>((res) => child.on('close', () => res(stderr)));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    if (input) input.pipe(child.stdin);
    else child.stdin.end();
    let head = Buffer.alloc(0);
    let parsed = false;
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      parsed = true;
      child.stdout.off('data', onData);
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const key = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        if (key === 'status') status = Number(value.split(' ')[0]) || 200;
        else headers[key] = value;
      }
      const body = new PassThrough();
      body.write(head.subarray(end + sep));
      child.stdout.pipe(body);
      resolve({ status, headers, body, done });
    };
    child.stdout.on('data', onData);
    child.stdout.on('end', () => {
      if (parsed) return;
      const body = new PassThrough();
      body.end(`git http-backend failed: ${stderr}`);
      resolve({ status: 500, headers: { 'content-type': 'text/plain' }, body, done });
    });
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function hasScope(scopes: string[], push: boolean): boolean {
  if (scopes.includes('api') || scopes.includes('write_repository')) return true;
  return !push && scopes.includes('read_repository');
}

export function registerGitHttp(gl: Gitlab): void {
  let hooksDir: Promise<string> | undefined;
  const hooks = () =>
    (hooksDir ??= (async () => {
      const dir = join(gl.world.dir, 'gitlab-hooks');
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'pre-receive');
      await writeFile(file, PRE_RECEIVE);
      await chmod(file, 0o755);
      return dir;
    })());

  async function handle(req: SimRequest, action: 'info/refs' | Service): Promise<SimResponse> {
    const segments = Object.keys(req.params)
      .sort()
      .map((k) => req.params[k]!);
    const repoSegment = segments[segments.length - 1] ?? '';
    const path = [...segments.slice(0, -1), repoSegment.replace(/\.git$/, '')].join('/');
    const project = repoSegment.endsWith('.git') ? gl.world.findProject('gitlab', path) : undefined;
    const service = action === 'info/refs' ? req.query.get('service') : action;
    if (service !== 'git-upload-pack' && service !== 'git-receive-pack')
      return textResponse(403, 'Only smart HTTP (git-upload-pack, git-receive-pack) is supported.\n');
    const push = service === 'git-receive-pack';
    const user = req.user;
    if (!user && !(project?.visibility === 'public' && !push))
      return textResponse(401, 'HTTP Basic: Access denied\n', { 'www-authenticate': 'Basic realm="GitLab"' });
    let level = 0;
    if (project) level = user ? gl.world.accessLevel(user, project) : ACCESS.guest;
    if (!project || level === 0)
      return textResponse(
        404,
        "The project you were looking for could not be found or you don't have permission to view it.\n",
      );
    if (user && !hasScope(req.token?.scopes ?? [], push))
      return textResponse(
        403,
        'HTTP Basic: Access denied. The provided token does not have the required scope.\n',
      );
    if (push && level < ACCESS.developer)
      return textResponse(403, 'You are not allowed to push code to this project.\n');
    if (!push && level < ACCESS.reporter && project.visibility !== 'public')
      return textResponse(403, 'You are not allowed to download code from this project.\n');

    const protectedRules = [...project.protectedBranches.entries()]
      .map(([name, rule]) => `${name}\t${rule.pushAccessLevel}\t${rule.allowForcePush ? 1 : 0}`)
      .join('\n');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: gl.world.dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: dirname(project.repo.dir),
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${basename(project.repo.dir)}/${action}`,
      REQUEST_METHOD: req.method,
      QUERY_STRING: req.url.search.replace(/^\?/, ''),
      CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
      REMOTE_USER: user?.username ?? 'anonymous',
      REMOTE_ADDR: '127.0.0.1',
      // Gitaly lets clients fetch any commit by sha and skip blobs (partial clone); so does the sim.
      GIT_CONFIG_COUNT: '3',
      GIT_CONFIG_KEY_0: 'core.hooksPath',
      GIT_CONFIG_VALUE_0: await hooks(),
      GIT_CONFIG_KEY_1: 'uploadpack.allowFilter',
      GIT_CONFIG_VALUE_1: 'true',
      GIT_CONFIG_KEY_2: 'uploadpack.allowAnySHA1InWant',
      GIT_CONFIG_VALUE_2: 'true',
      SIM_LEVEL: String(level),
      SIM_PROTECTED: protectedRules,
    };
    const encoding = req.headers['content-encoding'];
    if (typeof encoding === 'string') env.HTTP_CONTENT_ENCODING = encoding;
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;
    const input = req.method === 'POST' ? req.stream : null;

    if (action !== 'git-receive-pack') {
      const out = await runBackend(env, input);
      return { status: out.status, headers: out.headers, body: out.body };
    }
    // Pushes are serialised with API writes; the reply (report-status) is small, so it is buffered.
    const { out, body, before, after } = await gl.world.locked(project, async () => {
      const before = await refSnapshot(project);
      const out = await runBackend(env, input);
      const body = await collect(out.body);
      await out.done;
      const after = await refSnapshot(project);
      return { out, body, before, after };
    });
    for (const ref of new Set([...before.keys(), ...after.keys()])) {
      const old = before.get(ref) ?? null;
      const now = after.get(ref) ?? null;
      if (old === now) continue;
      const forced = old !== null && now !== null && !(await project.repo.isAncestor(old, now));
      await gl.world.notifyPush({
        project,
        ref: ref.replace(/^refs\/(heads|tags)\//, ''),
        before: old,
        after: now,
        userId: user!.id,
        forced,
        tag: ref.startsWith('refs/tags/'),
      });
    }
    return { status: out.status, headers: out.headers, body };
  }

  // Namespaces one to three levels deep: group/project.git, group/sub/project.git, ...
  for (const prefix of ['/:p1/:p2', '/:p1/:p2/:p3', '/:p1/:p2/:p3/:p4']) {
    const options = { raw: true, anonymous: true };
    gl.add('GET', `${prefix}/info/refs`, (req) => handle(req, 'info/refs'), options);
    gl.add('POST', `${prefix}/git-upload-pack`, (req) => handle(req, 'git-upload-pack'), options);
    gl.add('POST', `${prefix}/git-receive-pack`, (req) => handle(req, 'git-receive-pack'), options);
  }
}
