import { errorMessage, LeaseLostError } from '../errors.js';
import type { WriteFence } from '../forges/http.js';
import { withDeadline } from '../store/deadline.js';
import type { Store } from '../store/types.js';

/**
 * Fencing for a run's job lease. The lease lives in the store with an expiry; a replica that can
 * no longer reach the store (a partition that drops packets without an error) cannot learn that
 * its lease expired and another replica took the job. So the run keeps its own, conservative
 * view: the lease is good until `sentAt + ttl` of the last store call that took or renewed it
 * (the store computed the expiry after we sent the call, so the real expiry is later), measured
 * on the monotonic clock. The forge layer asks `guard()` before every write: a write starts only
 * while that view leaves at least the safety margin (for the write to reach the forge); otherwise
 * it waits for a renewal and is refused with LeaseLostError when the lease cannot be confirmed.
 * The lease is lost when the store says another holder has it, or when it cannot be renewed
 * (error or no answer) once the confirmed expiry has passed. Once lost, it stays lost for the
 * run: `onLost` aborts it.
 */

export interface LeaseFence extends WriteFence {
  /** The lease was taken by a store call sent at `sentAt` (monotonic ms): start the heartbeat. */
  start(sentAt: number): void;
  /** Why the lease was lost, or null while it holds. */
  lost(): string | null;
  /** Stop the heartbeat (the run is over). */
  stop(): void;
}

export interface LeaseFenceOptions {
  store: Pick<Store, 'renewLease'>;
  key: string;
  holder: string;
  ttlMs: number;
  /** Time kept in hand for a write to reach the forge (default a quarter of the TTL). */
  marginMs?: number;
  /** Longest one renewal may take (default the TTL, at least 5 s; the store's own limits apply too). */
  renewTimeoutMs?: number;
  onLost(reason: string): void;
  onRenewFailed?(error: unknown): void;
  clock?: () => number;
}

export function createLeaseFence(options: LeaseFenceOptions): LeaseFence {
  const clock = options.clock ?? (() => performance.now());
  const { ttlMs } = options;
  const marginMs = options.marginMs ?? ttlMs / 4;
  let confirmedUntil = -Infinity;
  let lastRenewalFailed = false;
  let lostReason: string | null = null;
  let inflight: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;

  function lose(reason: string): void {
    if (lostReason) return;
    lostReason = reason;
    stop();
    options.onLost(reason);
  }

  const expired = () =>
    `the lease could not be renewed before it expired (${ttlMs} ms after the last renewal)`;

  function confirm(sentAt: number): void {
    if (lostReason) return;
    confirmedUntil = Math.max(confirmedUntil, sentAt + ttlMs);
    lastRenewalFailed = false;
    clearTimeout(expiryTimer);
    expiryTimer = setTimeout(onExpiry, Math.max(0, confirmedUntil - clock()));
    expiryTimer.unref();
  }

  /**
   * Past the confirmed expiry `guard` refuses to start a write; a renewal decides whether the
   * lease is lost. One that succeeds late proves nobody took the lease meanwhile (the store renews
   * only for the same holder, and a holder never comes back), so a starved process or a slow
   * database does not kill a run; one that fails or does not answer in time loses it.
   */
  function onExpiry(): void {
    if (lostReason) return;
    const left = confirmedUntil - clock();
    if (left > 0) {
      // Timers may fire a fraction of a millisecond early.
      expiryTimer = setTimeout(onExpiry, left + 1);
      expiryTimer.unref();
      return;
    }
    void renew();
  }

  function renew(): Promise<void> {
    if (lostReason) return Promise.resolve();
    inflight ??= (async () => {
      const sentAt = clock();
      const limit = options.renewTimeoutMs ?? Math.max(ttlMs, 5_000);
      try {
        const held = await withDeadline(
          options.store.renewLease(options.key, options.holder, ttlMs),
          limit,
          'lease renewal',
        );
        if (held) confirm(sentAt);
        else lose('another holder has the lease (it expired before it was renewed)');
      } catch (error) {
        lastRenewalFailed = true;
        options.onRenewFailed?.(error);
        if (clock() >= confirmedUntil) lose(`${expired()}: ${errorMessage(error)}`);
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  function usable(): boolean {
    return !lostReason && !lastRenewalFailed && clock() < confirmedUntil - marginMs;
  }

  async function guard(what: string): Promise<void> {
    if (usable()) return;
    // Near the expiry, or after a failed renewal: a fresh confirmation first (a busy event loop
    // may have delayed the heartbeat; that must not fail the run).
    if (!lostReason) await renew();
    if (usable()) return;
    const reason =
      lostReason ??
      (lastRenewalFailed
        ? 'the last lease renewal failed'
        : `the lease has less than ${Math.round(marginMs)} ms left`);
    // A write refused here means another replica may run the job: this run must stop altogether.
    lose(reason);
    throw new LeaseLostError(reason, what);
  }

  function stop(): void {
    clearInterval(heartbeat);
    clearTimeout(expiryTimer);
  }

  return {
    guard,
    start(sentAt) {
      confirm(sentAt);
      heartbeat = setInterval(() => void renew(), Math.max(500, ttlMs / 3));
      heartbeat.unref();
    },
    lost: () => lostReason,
    stop,
  };
}
