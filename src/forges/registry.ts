import pLimit from 'p-limit';
import type { ForgeConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../secrets/masker.js';
import type { ForgeAdapterOptions } from './adapter-options.js';
import { processRateBudget, startRunSpend, type RunSpend } from './budget.js';
import {
  authIdentity,
  layeredEtagCache,
  processEtagMemory,
  storeEtagBacking,
  type EtagBacking,
} from './etag-cache.js';
import type { ForgeRequestEvent, WriteFence } from './http.js';
import { requestBudget, type RequestBudget } from './limits.js';
import type { Forge, ForgeKind } from './types.js';

/**
 * Builds Forge clients from the config. The SDK adapters are imported lazily (gitbeaker and
 * octokit are heavy; `release-bot --help` must not pay for them) via `loadAdapters` before a run.
 */

type AdapterFactory = (options: ForgeAdapterOptions) => Forge;

const MODULES: Record<ForgeKind, { path: string; export: string }> = {
  gitlab: { path: './gitlab/index.js', export: 'createGitlabForge' },
  github: { path: './github/index.js', export: 'createGithubForge' },
};

const factories = new Map<ForgeKind, AdapterFactory>();

export async function loadAdapters(kinds: Iterable<ForgeKind>): Promise<void> {
  for (const kind of new Set(kinds)) {
    if (factories.has(kind)) continue;
    const spec = MODULES[kind];
    const module = (await import(spec.path)) as Record<string, AdapterFactory>;
    factories.set(kind, module[spec.export]!);
  }
}

export interface ForgeRegistryOptions {
  dryRun: boolean;
  signal?: AbortSignal;
  onRequest?: (event: ForgeRequestEvent) => void;
  /** The run's lease fence, asked before every write of every client (the approver's too). */
  fence?: WriteFence;
  /** The job running: its previous run's requests are what this one is expected to spend. */
  job?: string;
  /** Where ETags outlive the process (the store); memory only without it. */
  etagStore?: Parameters<typeof storeEtagBacking>[0];
}

export interface ForgeRegistry {
  get(name: string): Forge;
  withToken(name: string, token: string): Forge;
  names(): string[];
  /** What the run spent per forge, and the low-priority reads it deferred. */
  spends(): RunSpend[];
}

/** Per forge name, shared by every client of that forge in this process (the approver's too). */
const limits = new Map<string, ReturnType<typeof pLimit>>();

function limiterFor(name: string, concurrency: number): ReturnType<typeof pLimit> {
  let limit = limits.get(name);
  if (!limit || limit.concurrency !== concurrency) {
    limit = pLimit(concurrency);
    limits.set(name, limit);
  }
  return limit;
}

export function createForgeRegistry(
  forges: Record<string, ForgeConfig>,
  options: ForgeRegistryOptions,
): ForgeRegistry {
  const cache = new Map<string, Forge>();
  // One budget per forge for the registry's life, which is one run (attempt): every client of
  // the forge in it, the approver's too, spends from the same one.
  const budgets = new Map<string, RequestBudget>();
  const spends = new Map<string, RunSpend>();
  const backing: EtagBacking | undefined = options.etagStore
    ? storeEtagBacking(options.etagStore)
    : undefined;

  /** `ownAuth`: the forge's configured credentials (its token, or its GitHub App); else `token` alone. */
  function build(name: string, token: string, ownAuth = false): Forge {
    const config = forges[name];
    if (!config) {
      const known = Object.keys(forges);
      throw new ConfigError(
        `unknown forge "${name}"${known.length ? ` (configured: ${known.join(', ')})` : ' (no forges configured)'}`,
      );
    }
    const factory = factories.get(config.type);
    if (!factory) throw new Error(`forge adapter ${config.type} not loaded (call loadAdapters first)`);
    registerSecret(token);
    const limit = limiterFor(name, config.concurrency);
    let budget = budgets.get(name);
    if (!budget) budgets.set(name, (budget = requestBudget(config.maxRequestsPerRun)));
    let spend = spends.get(name);
    if (!spend) spends.set(name, (spend = startRunSpend(options.job ?? '', name)));
    // Who asks: a GitHub App's installation (its token changes hourly), else the token's hash.
    const app = ownAuth ? config.app : undefined;
    const identity = app
      ? `app:${app.appId}:${app.installationId ?? app.installationOwner ?? ''}`
      : authIdentity({ token });
    return factory({
      name,
      url: config.url,
      apiUrl: config.apiUrl,
      token,
      ...(ownAuth && config.app ? { app: config.app } : {}),
      dryRun: options.dryRun,
      http: {
        retries: config.retries,
        timeoutMs: config.timeoutSeconds * 1000,
        limit: (fn) => limit(fn),
        signal: options.signal,
        onRequest: options.onRequest,
        budget,
        maxPagesPerCall: config.maxPagesPerCall,
        maxAnswerBytes: Math.round(config.maxAnswerMiB * 1024 * 1024),
        fence: options.fence,
        etags: { cache: layeredEtagCache(processEtagMemory(name), backing), identity },
        rate: { budget: processRateBudget(name, identity), spend },
      },
    });
  }

  return {
    get(name) {
      let forge = cache.get(name);
      if (!forge) {
        forge = build(name, forges[name]?.token ?? '', true);
        cache.set(name, forge);
      }
      return forge;
    },
    withToken(name, token) {
      return build(name, token);
    },
    names: () => Object.keys(forges),
    spends: () => [...spends.values()],
  };
}
