import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Run ids sort by time (base36 ms) and stay short enough to read aloud: `mfx3k2a1-8f2c1d`. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Who holds a lease or ran a job: host, pid and a per-process nonce (pids are reused). */
const nonce = randomBytes(2).toString('hex');
export function holderId(): string {
  return `${hostname()}:${process.pid}:${nonce}`;
}
