/**
 * Fault injection for the simulator: latency, 5xx, 429 with Retry-After, connection resets and
 * hangs, per route or globally, deterministic for a given seed. Faults are injected before the
 * request is handled, so a faulted write did not happen (as with a proxy or rate limiter in
 * front of the real service).
 */
import { createRandom } from './random.js';

export interface FaultRule {
  /** Only this forge's listener. */
  forge?: 'gitlab' | 'github';
  /** HTTP method (upper case). */
  method?: string;
  /** Route template (`GET /api/v4/projects/:id/pipelines` style, method included) or a RegExp over it. */
  route?: string | RegExp;
  /** Added to every matching request (ms). */
  latencyMs?: number;
  /** Probability (0..1) of answering with one of `statuses` (default 500/502/503). */
  errorRate?: number;
  statuses?: number[];
  /** Probability (0..1) of a 429 with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimitRate?: number;
  retryAfterSeconds?: number;
  /** Probability (0..1) of destroying the connection without an answer. */
  resetRate?: number;
  /** Probability (0..1) of never answering (until the client gives up). */
  hangRate?: number;
  /** Apply to the first N matching requests only (counted after `after`). */
  times?: number;
  /**
   * Let the first N matching requests through untouched, then apply: with `times: 1`, fault
   * exactly the (N+1)-th match (e.g. hang the (N+1)-th write of a run so write N is complete).
   */
  after?: number;
}

export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'error'; status: number; latencyMs: number }
  | { kind: 'rate_limit'; retryAfterSeconds: number; latencyMs: number }
  | { kind: 'reset'; latencyMs: number }
  | { kind: 'hang'; latencyMs: number };

export interface FaultInjector {
  add(rule: FaultRule): void;
  clear(): void;
  rules(): readonly FaultRule[];
  decide(forge: string, method: string, route: string): FaultDecision;
  /** How many faults of each kind were injected so far. */
  counts(): Record<string, number>;
}

export function createFaultInjector(seed = 1): FaultInjector {
  const random = createRandom(seed);
  let rules: { rule: FaultRule; used: number; skipped: number }[] = [];
  const injected: Record<string, number> = {};

  function matches(rule: FaultRule, forge: string, method: string, route: string): boolean {
    if (rule.forge && rule.forge !== forge) return false;
    if (rule.method && rule.method.toUpperCase() !== method) return false;
    if (rule.route instanceof RegExp) return rule.route.test(route);
    if (typeof rule.route === 'string') return rule.route === route || `${method} ${rule.route}` === route;
    return true;
  }

  return {
    add(rule) {
      rules.push({ rule, used: 0, skipped: 0 });
    },
    clear() {
      rules = [];
    },
    rules() {
      return rules.map((r) => r.rule);
    },
    counts() {
      return { ...injected };
    },
    decide(forge, method, route) {
      let latencyMs = 0;
      for (const entry of rules) {
        const { rule } = entry;
        if (!matches(rule, forge, method, route)) continue;
        if (rule.after !== undefined && entry.skipped < rule.after) {
          entry.skipped++;
          continue;
        }
        if (rule.times !== undefined && entry.used >= rule.times) continue;
        entry.used++;
        latencyMs += rule.latencyMs ?? 0;
        const roll = random();
        let edge = 0;
        const pick = (rate: number | undefined) => {
          edge += rate ?? 0;
          return roll < edge;
        };
        let decision: FaultDecision | undefined;
        if (pick(rule.errorRate)) {
          const statuses = rule.statuses ?? [500, 502, 503];
          decision = { kind: 'error', status: statuses[Math.floor(random() * statuses.length)]!, latencyMs };
        } else if (pick(rule.rateLimitRate)) {
          decision = { kind: 'rate_limit', retryAfterSeconds: rule.retryAfterSeconds ?? 1, latencyMs };
        } else if (pick(rule.resetRate)) {
          decision = { kind: 'reset', latencyMs };
        } else if (pick(rule.hangRate)) {
          decision = { kind: 'hang', latencyMs };
        }
        if (decision) {
          injected[decision.kind] = (injected[decision.kind] ?? 0) + 1;
          return decision;
        }
      }
      return { kind: 'none', latencyMs };
    },
  };
}
