import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { parseDuration } from '../kit/duration.js';
import { cronSchedule } from '../kit/slots.js';
import { parseWallTime } from './wall-time.js';

/**
 * `freezes:` in the config: windows during which jobs plan but do not write. Either a date range
 * (`from`/`to`, wall-clock in the freeze's time zone) or a recurring window (`schedule`, a cron
 * expression for when it starts, and `duration`), as Argo CD's sync windows do.
 * Here rather than in config/schema.ts so the control module and the schema share it without a
 * circle; the cron and zone checks use kit/ directly for the same reason.
 */

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const wallTime = z.string().superRefine((value, ctx) => {
  if (!parseWallTime(value))
    ctx.addIssue({
      code: 'custom',
      message: `invalid date "${value}" (use 2026-12-24 or 2026-12-24 18:00, wall-clock in the freeze's timezone)`,
    });
});

export const freezeSchema = z
  .object({
    name: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, dot, dash, underscore')
      .describe('Short name, shown in run summaries and on the status page.'),
    reason: z.string().min(1).describe('Why nothing is written: shown as `skipped (frozen: <reason>)`.'),
    jobs: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Jobs this freeze applies to (default: every job).'),
    timezone: z
      .string()
      .refine(validZone, { message: 'unknown time zone (use an IANA name such as "Europe/Berlin")' })
      .optional()
      .describe('Time zone of from/to/schedule (default: the top-level timezone).'),
    from: wallTime.optional().describe('Start (inclusive): `2026-12-21` or `2026-12-21 18:00`.'),
    to: wallTime
      .optional()
      .describe(
        'End: a date covers that whole day (`2027-01-04`); a time is exclusive (`2027-01-04 09:00`).',
      ),
    schedule: z
      .string()
      .superRefine((value, ctx) => {
        try {
          cronSchedule(value, 'UTC');
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `invalid cron expression "${value}" (${errorMessage(error)})`,
          });
        }
      })
      .optional()
      .describe('Recurring window: when it starts, a cron expression (`0 15 * * 5`: Fridays 15:00).'),
    duration: z
      .string()
      .refine((v) => (parseDuration(v) ?? 0) > 0, { message: 'invalid duration (use e.g. 63h, 2d)' })
      .optional()
      .describe('How long each recurring window lasts (`63h`: Friday 15:00 to Monday 06:00).'),
  })
  .strict()
  .superRefine((f, ctx) => {
    const range = f.from !== undefined || f.to !== undefined;
    const window = f.schedule !== undefined || f.duration !== undefined;
    if (range && window)
      ctx.addIssue({ code: 'custom', message: 'use either from/to or schedule/duration, not both' });
    else if (range) {
      if (f.from === undefined) ctx.addIssue({ code: 'custom', path: ['from'], message: 'required with to' });
      if (f.to === undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: 'required with from' });
      const from = f.from ? parseWallTime(f.from) : undefined;
      const to = f.to ? parseWallTime(f.to) : undefined;
      if (from && to && to.wall + (to.dateOnly ? 86_400_000 : 0) <= from.wall)
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    } else if (window) {
      if (f.schedule === undefined)
        ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'required with duration' });
      if (f.duration === undefined)
        ctx.addIssue({ code: 'custom', path: ['duration'], message: 'required with schedule' });
    } else ctx.addIssue({ code: 'custom', message: 'set from and to, or schedule and duration' });
  });

export const freezesSchema = z
  .array(freezeSchema)
  .default([])
  .describe('Change freezes: windows during which jobs plan but write nothing (skipped (frozen: reason)).')
  .superRefine((freezes, ctx) => {
    const seen = new Set<string>();
    freezes.forEach((f, i) => {
      if (seen.has(f.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate freeze name "${f.name}"` });
      seen.add(f.name);
    });
  });

export type Freeze = z.infer<typeof freezeSchema>;
