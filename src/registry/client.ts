import {
  DigestMismatchError,
  digestOf,
  digestAlgorithm,
  isDigest,
  shortDigest,
  verifyingStream,
} from './digest.js';
import { DryRunWriteError, TransientError } from '../errors.js';
import { answerError, networkError, RegistryError } from './errors.js';
import { createAuth, pullScope, pushScope, type Credentials } from './auth.js';
import { parseChallenge } from './challenge.js';
import {
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  parseManifest,
  type Descriptor,
  type ParsedManifest,
} from './manifest.js';

/**
 * A small client of the OCI Distribution API (the registry's `/v2/` routes) for copying images:
 * manifests by tag or digest, blobs streamed through (never held whole in memory), verified by
 * digest while they stream, cross-repository mounts. One instance per registry; auth in auth.ts.
 */

export interface RegistryClientOptions extends Credentials {
  /** The registry's base URL, e.g. `https://registry.gitlab.com` or `https://ghcr.io`. */
  url: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /**
   * A client that must not write (a job's plan phase, a dry run): every write throws before a
   * request leaves, so a bug cannot push — the same guard the forge adapters have.
   */
  readOnly?: boolean;
  /** Longest wait for an answer (a manifest, a HEAD, a token), default 60 s. */
  timeoutMs?: number;
  /** Longest pause of a blob stream between two chunks, either way, default 120 s. */
  idleMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_IDLE_MS = 120_000;

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

export interface ManifestRef {
  digest: string;
  mediaType: string;
  size: number;
}

export interface Manifest extends ManifestRef {
  bytes: Uint8Array;
  parsed: ParsedManifest;
}

/** A blob being read: its bytes as they arrive, and why it failed verification, if it did. */
export interface BlobSource {
  body: ReadableStream<Uint8Array>;
  failure(): Error | undefined;
}

export interface RegistryClient {
  /** `host[:port]`, for messages and to tell whether two clients talk to one registry. */
  readonly name: string;
  /** The manifest a tag or digest points at (HEAD); null when there is none. */
  resolve(repository: string, reference: string): Promise<ManifestRef | null>;
  /** The manifest's bytes, checked against its digest, and what it references. Null when absent. */
  getManifest(repository: string, reference: string): Promise<Manifest | null>;
  /** Push a manifest under a tag or its digest; returns the digest the registry stored. */
  putManifest(repository: string, reference: string, mediaType: string, bytes: Uint8Array): Promise<string>;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  /** Stream a blob; the stream fails at its end when the bytes do not match the descriptor. */
  openBlob(repository: string, blob: Descriptor): Promise<BlobSource>;
  /**
   * Store a blob: mounted from `mountFrom` (a repository of this same registry) when the
   * registry agrees, else streamed from `source`, which is opened only then.
   */
  pushBlob(
    repository: string,
    blob: Descriptor,
    source: () => Promise<BlobSource>,
    mountFrom?: string,
  ): Promise<'mounted' | 'uploaded'>;
}

interface SendSpec {
  method: string;
  url: URL;
  what: string;
  scopes: string[];
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** A blob: only the wait for its headers is bounded (the stream has its idle watchdog). */
  streamedAnswer?: boolean;
}

/**
 * Fails a stream that stops moving: no chunk for `ms`, whether the sender stalls or the
 * receiver stops reading (backpressure stops the chunks too). A stalled registry thus costs a
 * retry, not the whole run's time limit.
 */
function idleWatchdog(
  ms: number,
  what: string,
  onFailure: (error: Error) => void,
): TransformStream<Uint8Array, Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  let arm = () => undefined as void;
  return new TransformStream({
    start(controller) {
      arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const error = new TransientError(`${what}: no bytes moved for ${duration(ms)}; gave up`);
          onFailure(error);
          controller.error(error);
        }, ms);
        timer.unref();
      };
      arm();
    },
    transform(chunk, controller) {
      arm();
      controller.enqueue(chunk);
    },
    flush() {
      clearTimeout(timer);
    },
  });
}

async function readLimited(
  res: Response,
  limit: number,
  what: string,
  registry: string,
): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new Error(`${what}: ${declared} bytes, more than a manifest may hold`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.byteLength;
      if (total > limit)
        throw new RangeError(`${what}: more than ${limit} bytes, more than a manifest may hold`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof RangeError) throw new Error(error.message);
    throw networkError(error, registry, `${what}: reading the answer`);
  }
  return Buffer.concat(chunks);
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = new URL(options.url);
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new Error(`registry url ${options.url}: must be http(s)`);
  const name = base.host;
  const fetchImpl = options.fetch ?? fetch;
  const auth = createAuth(name, base, options, fetchImpl, options.signal);

  const url = (path: string) => new URL(`/v2/${path}`, base);

  async function send(spec: SendSpec): Promise<Response> {
    if (options.readOnly && spec.method !== 'GET' && spec.method !== 'HEAD')
      throw new DryRunWriteError(`${name}: ${spec.what}`);
    const streamed = spec.body instanceof ReadableStream;
    for (let attempt = 0; ; attempt++) {
      const headers = { ...spec.headers, ...(await auth.headers(spec.scopes)) };
      // An upload's body has its idle watchdog; every other request has a time limit, which
      // also bounds reading a small answer (left running, unref'd, after the headers).
      const limit = new AbortController();
      const timer = streamed
        ? undefined
        : setTimeout(() => limit.abort(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      timer?.unref();
      const signal = options.signal ? AbortSignal.any([options.signal, limit.signal]) : limit.signal;
      let res: Response;
      try {
        res = await fetchImpl(spec.url, {
          method: spec.method,
          headers,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
          ...(streamed ? { duplex: 'half' } : {}),
          redirect: 'follow',
          signal,
        } as RequestInit);
      } catch (error) {
        clearTimeout(timer);
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        if (limit.signal.aborted)
          throw new TransientError(
            `${name}: ${spec.what}: no answer within ${duration(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)}`,
          );
        throw networkError(error, name, spec.what);
      }
      if (spec.streamedAnswer) clearTimeout(timer);
      // A streamed body is gone once sent: its auth was settled by the request before it.
      if (res.status === 401 && attempt === 0 && !streamed) {
        const challenge = parseChallenge(res.headers.get('www-authenticate'));
        await res.body?.cancel();
        if (await auth.answer(challenge, spec.scopes)) continue;
        throw new RegistryError(`${name}: ${spec.what} answered 401 (unauthorized)`, 401, name, spec.what);
      }
      return res;
    }
  }

  async function expect(res: Response, statuses: number[], what: string): Promise<Response> {
    if (statuses.includes(res.status)) return res;
    throw await answerError(res, name, what);
  }

  async function resolve(repository: string, reference: string): Promise<ManifestRef | null> {
    const what = `HEAD ${repository}:${reference}`;
    const res = await send({
      method: 'HEAD',
      url: url(`${repository}/manifests/${reference}`),
      what,
      scopes: [pullScope(repository)],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return null;
    await expect(res, [200], what);
    const digest = res.headers.get('docker-content-digest');
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim();
    const size = Number(res.headers.get('content-length'));
    // Some registries leave the digest out of a HEAD (or send one that is not): the bytes then tell.
    if (!digest || !isDigest(digest) || !mediaType) {
      const manifest = await getManifest(repository, reference);
      return manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size };
    }
    return { digest, mediaType, size: Number.isFinite(size) ? size : 0 };
  }

  async function getManifest(repository: string, reference: string): Promise<Manifest | null> {
    const what = `manifest ${repository}:${reference}`;
    const res = await send({
      method: 'GET',
      url: url(`${repository}/manifests/${reference}`),
      what,
      scopes: [pullScope(repository)],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    await expect(res, [200], what);
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES, what, name);
    const byDigest = reference.includes(':');
    const claimed = byDigest ? reference : res.headers.get('docker-content-digest');
    const digest = digestOf(bytes, claimed ? digestAlgorithm(claimed) : 'sha256');
    if (claimed && claimed !== digest) throw new DigestMismatchError(claimed, digest, what);
    const parsed = parseManifest(bytes, res.headers.get('content-type'), what);
    return { digest, mediaType: parsed.mediaType, size: bytes.byteLength, bytes, parsed };
  }

  async function putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
  ): Promise<string> {
    const what = `push manifest ${repository}:${reference}`;
    const res = await send({
      method: 'PUT',
      url: url(`${repository}/manifests/${reference}`),
      what,
      scopes: [pushScope(repository)],
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    await expect(res, [201], what);
    await res.body?.cancel();
    const expected = digestOf(bytes);
    const stored = res.headers.get('docker-content-digest') ?? expected;
    if (stored !== expected) throw new DigestMismatchError(expected, stored, `${what}: the registry stored`);
    return stored;
  }

  async function hasBlob(repository: string, digest: string): Promise<boolean> {
    const what = `HEAD blob ${repository}@${shortDigest(digest)}`;
    const res = await send({
      method: 'HEAD',
      url: url(`${repository}/blobs/${digest}`),
      what,
      scopes: [pullScope(repository)],
    });
    if (res.status === 404) return false;
    await expect(res, [200], what);
    return true;
  }

  async function openBlob(repository: string, blob: Descriptor): Promise<BlobSource> {
    const what = `blob ${repository}@${shortDigest(blob.digest)}`;
    const res = await send({
      method: 'GET',
      url: url(`${repository}/blobs/${blob.digest}`),
      what,
      scopes: [pullScope(repository)],
      streamedAnswer: true,
    });
    await expect(res, [200], what);
    if (!res.body) throw new Error(`${what}: empty answer`);
    // Remember why the stream failed: the upload it feeds reports only "fetch failed".
    let failure: Error | undefined;
    const remember = (error: Error) => (failure ??= error);
    const check = verifyingStream(blob.digest, blob.size, what, remember);
    const watchdog = idleWatchdog(options.idleMs ?? DEFAULT_IDLE_MS, what, remember);
    return { body: res.body.pipeThrough(watchdog).pipeThrough(check), failure: () => failure };
  }

  async function cancelUpload(location: URL, repository: string): Promise<void> {
    const res = await send({
      method: 'DELETE',
      url: location,
      what: `cancel upload to ${repository}`,
      scopes: [pushScope(repository)],
    }).catch(() => undefined);
    await res?.body?.cancel().catch(() => undefined);
  }

  async function pushBlob(
    repository: string,
    blob: Descriptor,
    source: () => Promise<BlobSource>,
    mountFrom?: string,
  ): Promise<'mounted' | 'uploaded'> {
    const what = `upload blob ${shortDigest(blob.digest)} to ${repository}`;
    const start = url(`${repository}/blobs/uploads/`);
    if (mountFrom) {
      start.searchParams.set('mount', blob.digest);
      start.searchParams.set('from', mountFrom);
    }
    const scopes = [pushScope(repository), ...(mountFrom ? [pullScope(mountFrom)] : [])];
    const started = await send({
      method: 'POST',
      url: start,
      what,
      scopes,
      headers: { 'content-length': '0' },
    });
    await expect(started, mountFrom ? [201, 202] : [202], what);
    await started.body?.cancel();
    if (started.status === 201) return 'mounted';
    const location = started.headers.get('location');
    if (!location) throw new RegistryError(`${name}: ${what}: no upload location`, 502, name, what);
    const upload = new URL(location, base);
    if (upload.origin !== base.origin)
      throw new RegistryError(`${name}: ${what}: upload location on another host`, 502, name, what);
    const from = await source();
    const put = new URL(upload);
    put.searchParams.set('digest', blob.digest);
    let res: Response;
    try {
      // Chunked on purpose: when verification fails at the end, the closing chunk is never
      // sent, so the registry cannot take an incomplete or wrong blob as finished.
      res = await send({
        method: 'PUT',
        url: put,
        what,
        scopes: [pushScope(repository)],
        headers: { 'content-type': 'application/octet-stream' },
        body: from.body,
      });
    } catch (error) {
      await cancelUpload(upload, repository);
      throw from.failure() ?? error;
    }
    if (res.status !== 201) {
      await cancelUpload(upload, repository);
      throw from.failure() ?? (await answerError(res, name, what));
    }
    await res.body?.cancel();
    return 'uploaded';
  }

  return { name, resolve, getManifest, putManifest, hasBlob, openBlob, pushBlob };
}
