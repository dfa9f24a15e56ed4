/**
 * Simulated time. Tests and benchmarks advance it by hand so CI, staleness and auto-merge are
 * deterministic; the demo and `release-bot sandbox` let it follow the wall clock (optionally faster).
 */
export interface SimClock {
  now(): Date;
  nowMs(): number;
  /** Move time forward by hand (manual mode); listeners run after the move. */
  advance(ms: number): Promise<void>;
  /** Registered by the CI engine: called after every advance with the new time. */
  onAdvance(listener: (nowMs: number) => Promise<void> | void): void;
}

export function createClock(
  options: { start?: Date; follow?: 'manual' | 'wall'; speed?: number } = {},
): SimClock {
  const listeners: ((nowMs: number) => Promise<void> | void)[] = [];
  const startMs = (options.start ?? new Date('2026-11-20T08:00:00Z')).getTime();
  const wallStart = Date.now();
  const speed = options.speed ?? 1;
  let offset = 0;
  const follow = options.follow ?? 'manual';

  function nowMs(): number {
    const wall = follow === 'wall' ? (Date.now() - wallStart) * speed : 0;
    return startMs + wall + offset;
  }

  return {
    now: () => new Date(nowMs()),
    nowMs,
    async advance(ms: number) {
      offset += ms;
      const t = nowMs();
      for (const l of listeners) await l(t);
    },
    onAdvance(listener) {
      listeners.push(listener);
    },
  };
}
