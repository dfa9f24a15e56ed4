/**
 * Preloaded into a replica (NODE_OPTIONS=--import) to give it a wrong wall clock: every `Date`
 * reads RELEASE_BOT_TEST_CLOCK_SKEW_MS ahead (negative: behind). Timers are unaffected, as on a
 * host whose clock is simply off.
 */
const skew = Number(process.env.RELEASE_BOT_TEST_CLOCK_SKEW_MS ?? 0);

if (skew) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...(args as [number]));
    }
    static override now(): number {
      return RealDate.now() + skew;
    }
  }
  globalThis.Date = SkewedDate as unknown as DateConstructor;
}

export {};
