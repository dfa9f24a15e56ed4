import { formatDuration } from '../../kit/duration.js';

export { timeIn } from '../../kit/time.js';

/** Times and durations as people read them on the page: in the job's time zone, with age. */

/** `5m ago`, `in 2h`, `just now`. */
export function relative(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  if (Math.abs(ms) < 1000) return 'just now';
  return ms > 0 ? `${formatDuration(ms)} ago` : `in ${formatDuration(-ms)}`;
}

export function took(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}
