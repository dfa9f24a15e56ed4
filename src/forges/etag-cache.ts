import { createHash } from 'node:crypto';
import { mask } from '../secrets/masker.js';

/**
 * Conditional requests: the last answer to each GET the bot repeats, kept with its ETag so the
 * next read can ask `If-None-Match` and take a `304 Not Modified` instead of the body. GitHub
 * charges no rate-limit point for a 304; GitLab still counts it but sends no body (see
 * docs/dev/forge-behaviour.md). The HTTP path (http.ts) turns a 304 back into the cached 200, so
 * neither SDK ever sees one.
 *
 * Two layers: a process-wide memory layer per forge (the daemon polls from it) and, behind it,
 * the store (a one-shot `release-bot run` starts cold and finds the previous run's ETags there).
 * Keys are hashes of the caller's identity (a token hash, never the token), the Accept header
 * and the URL: GitHub varies answers on Authorization and Accept.
 */

export interface CachedAnswer {
  etag: string;
  /** The headers a reader needs again (content type, pagination); never rate-limit headers. */
  headers: Record<string, string>;
  body: string;
  /** When it was stored (epoch ms). */
  at: number;
}

/** Where answers outlive the process: the store's key/value state (both drivers). */
export interface EtagBacking {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer): Promise<void>;
  /** Drop answers stored before `before` (epoch ms); how many went. */
  prune?(before: number): Promise<number>;
}

/** An answer not stored again for this long is dropped from the store (a URL no longer polled). */
export const STORED_ANSWER_TTL_MS = 14 * 24 * 3_600_000;
/** About one store write in this many also prunes (cheap on average, bounded without a timer). */
const PRUNE_EVERY = 500;

export interface EtagCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer): Promise<void>;
}

/**
 * Largest answer kept. GitHub's list items are big (a workflow run embeds two repositories: a
 * page of 100 is over a megabyte), and a poll's page is what is worth revalidating.
 */
export const MAX_CACHED_ANSWER_BYTES = 4 * 1024 * 1024;
/** Memory per forge for cached answers (least recently used go first). */
export const DEFAULT_ETAG_MEMORY_BYTES = 32 * 1024 * 1024;
/** Headers kept with an answer: what the SDKs read besides the body. */
const KEPT_HEADERS = [
  'content-type',
  'link',
  'x-next-page',
  'x-page',
  'x-per-page',
  'x-prev-page',
  'x-total',
  'x-total-pages',
];

export function keptHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Who is asking, as a hash of the auth headers (the token itself is never kept). */
export function authIdentity(headers: Record<string, string>): string {
  const parts = Object.entries(headers)
    .map(([k, v]) => `${k.toLowerCase()}:${v}`)
    .sort();
  return sha256(parts.join('\n')).slice(0, 32);
}

export function etagKey(identity: string, url: string, accept: string | null): string {
  return sha256(`${identity}\n${accept ?? ''}\n${url}`).slice(0, 48);
}

/** The memory layer: least recently used answers leave first once `maxBytes` is reached. */
export function memoryEtagCache(maxBytes = DEFAULT_ETAG_MEMORY_BYTES): EtagCache & { bytes(): number } {
  const entries = new Map<string, CachedAnswer>();
  let bytes = 0;
  const sizeOf = (a: CachedAnswer) => a.body.length + a.etag.length + 256;
  return {
    async get(key) {
      const hit = entries.get(key);
      if (!hit) return undefined;
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    },
    async set(key, answer) {
      const old = entries.get(key);
      if (old) {
        bytes -= sizeOf(old);
        entries.delete(key);
      }
      entries.set(key, answer);
      bytes += sizeOf(answer);
      for (const [k, v] of entries) {
        if (bytes <= maxBytes) break;
        entries.delete(k);
        bytes -= sizeOf(v);
      }
    },
    bytes: () => bytes,
  };
}

/**
 * Memory first, then the store; a store failure only costs the conditional request (a full
 * answer instead of a 304), never the read. An answer holding a configured secret stays in
 * memory only: everything the store holds is masked.
 */
export function layeredEtagCache(
  memory: EtagCache,
  backing?: EtagBacking,
  random: () => number = Math.random,
): EtagCache {
  return {
    async get(key) {
      const hit = await memory.get(key);
      if (hit || !backing) return hit;
      const stored = await backing.get(key).catch(() => undefined);
      if (stored) await memory.set(key, stored);
      return stored;
    },
    async set(key, answer) {
      const known = await memory.get(key);
      await memory.set(key, answer);
      if (!backing || known?.etag === answer.etag) return;
      if (mask(answer.body) !== answer.body) return;
      await backing.set(key, answer).catch(() => undefined);
      if (backing.prune && random() < 1 / PRUNE_EVERY)
        await backing.prune(Date.now() - STORED_ANSWER_TTL_MS).catch(() => 0);
    },
  };
}

/** The store's key/value state under its own namespace, so no job can read or clash with it. */
export const ETAG_STATE_NAMESPACE = '_forge-http-cache';

interface StateStore {
  getState<T>(job: string, key: string): Promise<T | undefined>;
  setState(job: string, key: string, value: unknown): Promise<void>;
  deleteState(job: string, key: string): Promise<void>;
  listState<T>(job: string, prefix?: string): Promise<{ key: string; value: T }[]>;
}

export function storeEtagBacking(store: StateStore): EtagBacking {
  return {
    get: (key) => store.getState<CachedAnswer>(ETAG_STATE_NAMESPACE, key),
    set: (key, answer) => store.setState(ETAG_STATE_NAMESPACE, key, answer),
    async prune(before) {
      let dropped = 0;
      for (const { key, value } of await store.listState<CachedAnswer>(ETAG_STATE_NAMESPACE)) {
        if (typeof value?.at === 'number' && value.at >= before) continue;
        await store.deleteState(ETAG_STATE_NAMESPACE, key);
        dropped++;
      }
      return dropped;
    },
  };
}

/** One memory layer per forge name for the life of the process (the daemon's polls share it). */
const memories = new Map<string, ReturnType<typeof memoryEtagCache>>();

export function processEtagMemory(forge: string): ReturnType<typeof memoryEtagCache> {
  let memory = memories.get(forge);
  if (!memory) memories.set(forge, (memory = memoryEtagCache()));
  return memory;
}

/** Forget every cached answer of this process (tests: a fresh process). */
export function clearProcessEtagMemory(): void {
  memories.clear();
}
