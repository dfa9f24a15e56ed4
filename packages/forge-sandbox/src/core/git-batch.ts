import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * One long-lived `git cat-file --batch-command` per repository, so that resolving a ref, reading a
 * file or a commit costs a line on a pipe instead of a process. A process per request made the
 * simulator spend more of the machine's two cores than the bot it was measuring (issue 26).
 *
 * Answers are read from git's own object and ref storage each time (a loose ref or object written
 * by another git process is seen on the next lookup), so nothing here can go stale. The process
 * stops after a short idle time: a world of hundreds of repositories keeps only the busy ones open.
 */

export interface BatchObject {
  sha: string;
  type: string;
  size: number;
}

export interface CatFile {
  /** The object a revision expression names (`main^{commit}`, `sha:path`), or null when missing. */
  info(rev: string): Promise<BatchObject | null>;
  /** The object and its content, or null when missing. */
  contents(rev: string): Promise<(BatchObject & { content: Buffer }) | null>;
  close(): void;
}

interface Pending {
  rev: string;
  withContent: boolean;
  resolve(value: (BatchObject & { content?: Buffer }) | null): void;
  reject(error: Error): void;
}

const IDLE_MS = 15_000;

export function openCatFile(dir: string, env: NodeJS.ProcessEnv): CatFile {
  let child: ChildProcessWithoutNullStreams | undefined;
  let buffer: Buffer = Buffer.alloc(0);
  const queue: Pending[] = [];
  let idle: NodeJS.Timeout | undefined;

  function stop(): void {
    clearTimeout(idle);
    idle = undefined;
    const running = child;
    child = undefined;
    buffer = Buffer.alloc(0);
    running?.stdin.end();
    running?.kill();
  }

  function fail(error: Error): void {
    stop();
    for (const p of queue.splice(0)) p.reject(error);
  }

  function start(): ChildProcessWithoutNullStreams {
    const proc = spawn('git', ['cat-file', '--batch-command'], { cwd: dir, env });
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      drain();
    });
    proc.on('error', (error) => {
      if (child === proc) fail(error);
    });
    proc.on('exit', (code, signal) => {
      if (child === proc) fail(new Error(`git cat-file exited (${code ?? signal}) in ${dir}`));
    });
    proc.stdin.on('error', () => undefined); // reported through 'exit'
    proc.stderr.resume();
    return proc;
  }

  /** An idle reader must not keep the process alive; a busy one must (its answers are awaited). */
  function hold(proc: ChildProcessWithoutNullStreams, busy: boolean): void {
    for (const handle of [proc, proc.stdin, proc.stdout, proc.stderr] as unknown as {
      ref?(): void;
      unref?(): void;
    }[])
      if (busy) handle.ref?.();
      else handle.unref?.();
  }

  /** Answers arrive in request order: `<sha> <type> <size>\n[<content>\n]` or `<rev> missing\n`. */
  function drain(): void {
    while (queue.length) {
      const head = queue[0]!;
      const eol = buffer.indexOf(0x0a);
      if (eol < 0) return;
      const line = buffer.subarray(0, eol).toString('utf8');
      const match = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(line);
      if (!match) {
        // `missing`, `ambiguous`, `dangling`, …: no object for this revision.
        buffer = buffer.subarray(eol + 1);
        queue.shift();
        head.resolve(null);
        continue;
      }
      const object = { sha: match[1]!, type: match[2]!, size: Number(match[3]) };
      if (!head.withContent) {
        buffer = buffer.subarray(eol + 1);
        queue.shift();
        head.resolve(object);
        continue;
      }
      const end = eol + 1 + object.size;
      if (buffer.length < end + 1) return; // the rest of the content has not arrived yet
      const content = Buffer.from(buffer.subarray(eol + 1, end));
      buffer = buffer.subarray(end + 1);
      queue.shift();
      head.resolve({ ...object, content });
    }
    if (!queue.length) {
      if (child) hold(child, false);
      clearTimeout(idle);
      idle = setTimeout(stop, IDLE_MS);
      idle.unref();
    }
  }

  function ask(rev: string, withContent: boolean): Promise<(BatchObject & { content?: Buffer }) | null> {
    // A revision is one line; anything that cannot be one is not an object name.
    if (!rev || /[\n\r\0]/.test(rev)) return Promise.resolve(null);
    clearTimeout(idle);
    child ??= start();
    const proc = child;
    hold(proc, true);
    return new Promise((resolve, reject) => {
      queue.push({ rev, withContent, resolve, reject });
      // Questions asked in the same tick go to git in one write (one system call, one wake-up).
      if (!proc.stdin.writableCorked) {
        proc.stdin.cork();
        process.nextTick(() => proc.stdin.uncork());
      }
      proc.stdin.write(`${withContent ? 'contents' : 'info'} ${rev}\n`);
    });
  }

  return {
    info: (rev) => ask(rev, false),
    contents: (rev) => ask(rev, true) as Promise<(BatchObject & { content: Buffer }) | null>,
    close: stop,
  };
}

const shared = new Map<string, CatFile>();

/**
 * The one batch reader of a repository directory, shared by core/git.ts and the forge views'
 * git helpers (github/git-objects.ts, gitlab/git-extra.ts), which know a repository by its path.
 */
export function sharedCatFile(dir: string): CatFile {
  let cat = shared.get(dir);
  if (!cat) {
    cat = openCatFile(dir, { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir });
    shared.set(dir, cat);
  }
  return cat;
}

/** Drop the shared reader of `dir` (a repository created anew there must not see the old one's answers). */
export function forgetCatFile(dir: string): void {
  shared.get(dir)?.close();
  shared.delete(dir);
}

/** `1733328000 +0130` → `2024-12-04T17:30:00+01:30`, as `git log --format=%aI` prints it. */
function strictIso(seconds: string, zone: string): string {
  const sign = zone.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const local = new Date((Number(seconds) + minutes * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${zone.slice(0, 3)}:${zone.slice(3, 5)}`;
}

/** `Name <email> 1733328000 +0000` → its parts. */
function person(value: string): { name: string; email: string; at: string } {
  const match = /^(.*?) ?<([^>]*)> (\d+) ([+-]\d{4})$/.exec(value);
  if (!match) return { name: value, email: '', at: '' };
  return { name: match[1]!, email: match[2]!, at: strictIso(match[3]!, match[4]!) };
}

/** A raw commit object, read as `git log --format=%H%P%an%ae%aI%cn%ce%cI%B` would print it. */
export function parseCommitObject(
  sha: string,
  raw: Buffer,
): {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; at: string };
  committer: { name: string; email: string; at: string };
  message: string;
} {
  const text = raw.toString('utf8');
  const split = text.indexOf('\n\n');
  const headerText = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const parents: string[] = [];
  let tree = '';
  let author = '';
  let committer = '';
  for (const line of headerText.split('\n')) {
    if (line.startsWith(' ')) continue; // continuation of a multi-line header (gpgsig)
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') tree = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') author = value;
    else if (key === 'committer') committer = value;
  }
  return { sha, tree, parents, author: person(author), committer: person(committer), message };
}
