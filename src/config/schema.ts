import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { parseDuration } from '../kit/duration.js';
import { cronSchedule } from '../kit/slots.js';

/**
 * The config schema: the one source of truth for the YAML file, its types (z.infer) and the
 * generated JSON Schema (config/schema.json). Each job contributes its own options schema; the
 * full schema is assembled from the registry (see buildConfigSchema).
 */

export const cronExpression = z.string().superRefine((value, ctx) => {
  const result = validateDetailed(value);
  if (!result.valid) {
    const why = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    ctx.addIssue({ code: 'custom', message: `invalid cron expression "${value}" (${why})` });
    return;
  }
  // The scheduler computes slots with cron-parser (kit/slots.ts): it must read the expression too.
  try {
    cronSchedule(value, 'UTC');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid cron expression "${value}" (${errorMessage(error)})` });
  }
});

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timezone = z.string().superRefine((value, ctx) => {
  if (!isValidTimezone(value))
    ctx.addIssue({
      code: 'custom',
      message: `unknown time zone "${value}" (use an IANA name such as "UTC" or "Europe/Berlin")`,
    });
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const forgeSchema = z
  .object({
    type: z.enum(['gitlab', 'github']),
    /** Web origin: https://gitlab.com, https://github.com, https://gitlab.example.com. */
    url: httpUrl,
    /** API base when it cannot be derived (GitHub Enterprise: `${url}/api/v3`). */
    apiUrl: httpUrl.optional(),
    /** A personal/bot token; a GitHub forge may use `app` instead. */
    token: z.string().min(1, 'token is empty').optional(),
    /** GitHub App auth: installation tokens (hourly) minted from the App's key instead of a static token. */
    app: z
      .object({
        appId: z.number().int().positive(),
        /** The App's PEM private key (from the environment: `${GITHUB_APP_PRIVATE_KEY}`). */
        privateKey: z.string().includes('PRIVATE KEY', { error: 'expected a PEM private key' }),
        /** The installation; without it, the installation of `installationOwner` (org or user) is looked up. */
        installationId: z.number().int().positive().optional(),
        installationOwner: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => a.installationId !== undefined || a.installationOwner !== undefined, {
        error: 'set installationId or installationOwner',
      })
      .optional(),
    /** Requests in flight to this forge at once. */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Retries of a transient failure (5xx, 429, network) per request. */
    retries: z.number().int().min(0).max(10).default(4),
    timeoutSeconds: z.number().positive().max(600).default(30),
    /** Pages one forge call may follow; a list still going on after that fails the call. */
    maxPagesPerCall: z.number().int().min(1).max(10_000).default(100),
    /** Requests to this forge in one run (retries count); past it the run fails. */
    maxRequestsPerRun: z.number().int().min(1).max(1_000_000).default(20_000),
    /** Largest API answer read, in MiB (package files are streamed and not bound by it). */
    maxAnswerMiB: z.number().positive().max(1024).default(20),
  })
  .strict()
  .superRefine((forge, ctx) => {
    if (forge.app && forge.type !== 'github')
      ctx.addIssue({ code: 'custom', path: ['app'], message: 'App auth is for GitHub forges' });
    else if (!forge.token && !forge.app)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: forge.type === 'github' ? 'required (or app)' : 'required',
      });
  });

export const slackChannelSchema = z
  .object({
    webhookUrl: httpUrl,
    /** Trusted mention added to alerts on this channel: `<!subteam^S0123>` or `@team`. */
    mention: z.string().optional(),
  })
  .strict();

export const slackSchema = z
  .object({
    defaultChannel: z.string().optional(),
    channels: z.record(z.string(), slackChannelSchema).default({}),
  })
  .strict();

export const sentrySchema = z
  .object({
    dsn: z.string().min(1),
    environment: z.string().default('production'),
    release: z.string().optional(),
    /** Minutes Sentry waits after a missed check-in before alerting. */
    checkinMarginMinutes: z.number().int().min(1).default(5),
  })
  .strict();

export const storeSchema = z
  .object({
    /** SQLite file (default). Relative paths are resolved from the working directory. */
    path: z.string().default('.release-bot/state.db'),
    /** postgres://… selects the PostgreSQL store (DATABASE_URL works too). */
    url: z.string().optional(),
  })
  .strict();

export const serverSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(9464),
    /** Required when binding to a non-loopback address: a bearer token or basic-auth user:password. */
    auth: z
      .object({
        token: z.string().min(8).optional(),
        basic: z
          .string()
          .regex(/^[^:]+:.+$/, 'expected user:password')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const runnerSchema = z
  .object({
    /** Seconds in-flight runs get to finish on SIGTERM before they are aborted. */
    shutdownGraceSeconds: z.number().min(0).max(3600).default(30),
    /**
     * How long a job stays locked after its holder died (the lease is renewed every third of
     * it while a run lasts). Default 60 s, or $RELEASE_BOT_LEASE_TTL_SECONDS.
     */
    leaseTtlSeconds: z.number().min(2).max(3600).optional(),
  })
  .strict();

/** Fields every job accepts, besides its own options. */
/** A catch-up window: a duration up to 7 days (slot claims are kept that long), or `none`. */
export const catchUpWindow = z.string().superRefine((value, ctx) => {
  if (value === 'none') return;
  const ms = parseDuration(value);
  if (ms === undefined)
    ctx.addIssue({ code: 'custom', message: `invalid duration "${value}" (use e.g. 30m, 2h, 1d, or none)` });
  else if (ms > 7 * 86_400_000)
    ctx.addIssue({
      code: 'custom',
      message: `catchUp "${value}" is longer than 7d (slot claims are kept 7 days)`,
    });
});

export const jobCommonShape = {
  enabled: z.boolean().default(true),
  /** Cron expression (5 or 6 fields); overrides the job's default schedule. `manual`: never scheduled. */
  schedule: z.union([z.literal('manual'), cronExpression]).optional(),
  timezone: timezone.optional(),
  timeoutSeconds: z
    .number()
    .positive()
    .max(24 * 3600)
    .optional(),
  /** Whole-run retries of transient failures (the HTTP layer already retries each request). */
  retries: z.number().int().min(0).max(10).optional(),
  /** Slack channel (a name under slack.channels) for this job's messages. */
  slackChannel: z.string().optional(),
  /** Always run this job as a dry run (a safe way to try a new config). */
  dryRun: z.boolean().default(false),
  /**
   * Misfire policy: how late a missed slot (no replica up, host or event loop stalled) may still
   * run, once, as a catch-up (`2h`, `1d`; `none` never). Default by schedule frequency (README).
   */
  catchUp: catchUpWindow.optional(),
};

export const baseConfigShape = {
  /** Default time zone for schedules. */
  timezone: timezone.default('UTC'),
  forges: z
    .record(z.string().regex(/^[\w.-]+$/, 'forge names use letters, digits, dot, dash'), forgeSchema)
    .default({}),
  slack: slackSchema.default({ channels: {} }),
  sentry: sentrySchema.optional(),
  store: storeSchema.default({ path: '.release-bot/state.db' }),
  server: serverSchema.default({ host: '127.0.0.1', port: 9464 }),
  runner: runnerSchema.default({ shutdownGraceSeconds: 30 }),
  /** Free-form, for YAML anchors shared between jobs. Ignored by the bot. */
  definitions: z.unknown().optional(),
};

export type ForgeConfig = z.infer<typeof forgeSchema>;
export type SlackConfig = z.infer<typeof slackSchema>;
export type SentryConfig = z.infer<typeof sentrySchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;

export const jobCommonSchema = z.object(jobCommonShape);
export type JobCommonConfig = z.infer<typeof jobCommonSchema>;

/** The validated config. Job sections are typed by each job; here they are records. */
export interface Config {
  timezone: string;
  forges: Record<string, ForgeConfig>;
  slack: SlackConfig;
  sentry?: SentryConfig;
  store: StoreConfig;
  server: ServerConfig;
  runner: { shutdownGraceSeconds: number; leaseTtlSeconds?: number };
  jobs: Record<string, (JobCommonConfig & Record<string, unknown>) | undefined>;
}

/** A job's options schema must be an object so its keys can sit beside the common ones. */
export type JobOptionsSchema = z.ZodObject<z.ZodRawShape>;

export function buildConfigSchema(jobs: { name: string; options: JobOptionsSchema }[]) {
  const jobShapes: Record<string, z.ZodType> = {};
  for (const job of jobs) {
    jobShapes[job.name] = z
      .object({ ...jobCommonShape, ...job.options.shape })
      .strict()
      .optional();
  }
  return z
    .object({
      ...baseConfigShape,
      jobs: z.object(jobShapes).strict().default({}),
    })
    .strict();
}
