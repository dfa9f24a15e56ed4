/**
 * One cached `Intl.DateTimeFormat` per time zone, shared by the slot computation (which reads the
 * wall-clock numbers out of it) and the human-readable times (which print them). Building a
 * formatter is costly; the parts it yields are all the two need.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function zonedFormatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}
