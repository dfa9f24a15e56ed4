/**
 * Preloaded into a replica (NODE_OPTIONS=--import) to give it a wrong wall clock: every `Date`
 * reads RELEASE_BOT_TEST_CLOCK_SKEW_MS ahead (negative: behind). Timers are unaffected, as on a
 * host whose clock is simply off. Plain JavaScript on purpose: a TypeScript preload needs tsx's
 * loader in the daemon, which transforms every module it loads and made a replica take over a
 * minute to start on a busy machine.
 */
import process from 'node:process';

const skew = Number(process.env.RELEASE_BOT_TEST_CLOCK_SKEW_MS ?? 0);

if (skew) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...args);
    }
    static now() {
      return RealDate.now() + skew;
    }
  }
  globalThis.Date = SkewedDate;
}
