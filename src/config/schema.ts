import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { parseDuration } from '../kit/duration.js';
import { cronSchedule } from '../kit/slots.js';
import { freezesSchema, type Freeze } from '../control/freeze-schema.js';
import { slackAppSchema, type SlackAppConfig } from '../slack-app/config-schema.js';

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
    type: z.enum(['gitlab', 'github']).describe('Which API this forge speaks.'),
    /** Web origin: https://gitlab.com, https://github.com, https://gitlab.example.com. */
    url: httpUrl.describe('Web origin: https://gitlab.com, https://github.com, https://gitlab.example.com.'),
    /** API base when it cannot be derived (GitHub Enterprise: `${url}/api/v3`). */
    apiUrl: httpUrl
      .optional()
      .describe('API base when it cannot be derived (GitHub Enterprise: `${url}/api/v3`).'),
    /** A personal/bot token; a GitHub forge may use `app` instead. */
    token: z
      .string()
      .min(1, 'token is empty')
      .optional()
      .describe('A personal/bot token; a GitHub forge may use `app` instead.'),
    /** GitHub App auth: installation tokens (hourly) minted from the App's key instead of a static token. */
    app: z
      .object({
        appId: z.number().int().positive().describe('The App id (its settings page).'),
        /** The App's PEM private key (from the environment: `${GITHUB_APP_PRIVATE_KEY}`). */
        privateKey: z
          .string()
          .includes('PRIVATE KEY', { error: 'expected a PEM private key' })
          .describe("The App's PEM private key (from the environment: `${GITHUB_APP_PRIVATE_KEY}`)."),
        /** The installation; without it, the installation of `installationOwner` (org or user) is looked up. */
        installationId: z
          .number()
          .int()
          .positive()
          .optional()
          .describe(
            'The installation; without it, the installation of `installationOwner` (org or user) is looked up.',
          ),
        installationOwner: z
          .string()
          .min(1)
          .optional()
          .describe('The org or user that installed the App (when installationId is not set).'),
      })
      .strict()
      .refine((a) => a.installationId !== undefined || a.installationOwner !== undefined, {
        error: 'set installationId or installationOwner',
      })
      .optional(),
    /** Requests in flight to this forge at once. */
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('Requests in flight to this forge at once.'),
    /** Retries of a transient failure (5xx, 429, network) per request. */
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(4)
      .describe('Retries of a transient failure (5xx, 429, network) per request.'),
    timeoutSeconds: z.number().positive().max(600).default(30).describe('Per-request time limit.'),
    /** Pages one forge call may follow; a list still going on after that fails the call. */
    maxPagesPerCall: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe('Pages one forge call may follow; a list still going on after that fails the call.'),
    /** Requests to this forge in one run (retries count); past it the run fails. */
    maxRequestsPerRun: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(20_000)
      .describe('Requests to this forge in one run (retries count); past it the run fails.'),
    /** Largest API answer read, in MiB (package files are streamed and not bound by it). */
    maxAnswerMiB: z
      .number()
      .positive()
      .max(1024)
      .default(20)
      .describe('Largest API answer read, in MiB (package files are streamed and not bound by it).'),
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
    webhookUrl: httpUrl
      .optional()
      .describe(
        'Incoming-webhook URL of the channel (a secret: use ${NAME}); with slack.botToken and `channel`, only a fallback.',
      ),
    channel: z
      .string()
      .regex(
        /^([CGD][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9_-]*)$/,
        'a Slack channel id (C0123ABCD) or name (#oncall)',
      )
      .optional()
      .describe(
        'The Slack channel (id such as C0123ABCD, or #name) the bot token posts to: one message per incident, later news in its thread.',
      ),
    /** Trusted mention added to alerts on this channel: `<!subteam^S0123>` or `@team`. */
    mention: z
      .string()
      .optional()
      .describe('Trusted mention added to alerts on this channel: `<!subteam^S0123>` or `@team`.'),
  })
  .strict();

export const slackSchema = z
  .object({
    defaultChannel: z
      .string()
      .optional()
      .describe('Channel (a name under channels) for jobs that name none.'),
    channels: z
      .record(z.string(), slackChannelSchema)
      .default({})
      .describe('Slack channels by name: a bot-token channel, an incoming webhook, or both.'),
    botToken: z
      .string()
      .regex(/^xox[bp]-/, 'expected a Slack bot token (xoxb-…)')
      .optional()
      .describe(
        'Bot token (xoxb-…, scope chat:write; a secret: use ${NAME}): incidents become one message each, updated, with later news in its thread.',
      ),
    apiUrl: httpUrl
      .optional()
      .describe('Slack Web API base (default https://slack.com/api/); for proxies and tests.'),
    app: slackAppSchema
      .optional()
      .describe(
        'The Slack app: /release-bot commands and approval buttons, served by the daemon at /slack/*.',
      ),
  })
  .strict()
  .superRefine((slack, ctx) => {
    for (const [name, channel] of Object.entries(slack.channels)) {
      if (channel.webhookUrl) continue;
      if (!channel.channel)
        ctx.addIssue({
          code: 'custom',
          path: ['channels', name, 'webhookUrl'],
          message: 'required (or `channel` with slack.botToken)',
        });
      else if (!slack.botToken)
        ctx.addIssue({
          code: 'custom',
          path: ['channels', name, 'webhookUrl'],
          message: 'required: `channel` alone needs slack.botToken',
        });
    }
  });

export const sentrySchema = z
  .object({
    dsn: z.string().min(1).describe('Sentry DSN: errors and cron check-ins go there.'),
    environment: z.string().default('production').describe('Sentry environment of the events.'),
    release: z.string().optional().describe('Sentry release (default release-bot@<version>).'),
    /** Minutes Sentry waits after a missed check-in before alerting. */
    checkinMarginMinutes: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Minutes Sentry waits after a missed check-in before alerting.'),
  })
  .strict();

export const storeSchema = z
  .object({
    /** SQLite file (default). A relative path is relative to the config file. */
    path: z
      .string()
      .default('.release-bot/state.db')
      .describe('SQLite file (default). A relative path is relative to the config file.'),
    /** postgres://… selects the PostgreSQL store (DATABASE_URL works too). */
    url: z
      .string()
      .optional()
      .describe('postgres://… selects the PostgreSQL store (DATABASE_URL works too).'),
  })
  .strict();

export const serverSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('Address of /healthz, /metrics and the status page.'),
    port: z.number().int().min(0).max(65535).default(9464).describe('Port of the HTTP server.'),
    publicUrl: httpUrl
      .optional()
      .describe(
        'Where people reach the status page (https://release-bot.example.com): Slack messages, Sentry events and issues link to the run page there.',
      ),
    /** Required when binding to a non-loopback address: a bearer token or basic-auth user:password. */
    auth: z
      .object({
        token: z.string().min(8).optional().describe('Bearer token for /metrics and the status page.'),
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
    shutdownGraceSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(30)
      .describe('Seconds in-flight runs get to finish on SIGTERM before they are aborted.'),
    /**
     * How long a job stays locked after its holder died (the lease is renewed every third of
     * it while a run lasts). Default 60 s, or $RELEASE_BOT_LEASE_TTL_SECONDS.
     */
    leaseTtlSeconds: z
      .number()
      .min(2)
      .max(3600)
      .optional()
      .describe('How long a job stays locked after its holder died (default 60 s).'),
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
  enabled: z.boolean().default(true).describe('false: never runs, not even by hand.'),
  /** Cron expression (5 or 6 fields); overrides the job's default schedule. `manual`: never scheduled. */
  schedule: z
    .union([z.literal('manual'), cronExpression])
    .optional()
    .describe(
      "Cron expression (5 or 6 fields); overrides the job's default schedule. `manual`: never scheduled.",
    ),
  timezone: timezone
    .optional()
    .describe("Time zone of this job's schedule (default: the top-level timezone)."),
  timeoutSeconds: z
    .number()
    .positive()
    .max(24 * 3600)
    .optional()
    .describe('Seconds a run may take before it is aborted (default per job, 600 when the job sets none).'),
  /** Whole-run retries of transient failures (the HTTP layer already retries each request). */
  retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe('Whole-run retries of transient failures (the HTTP layer already retries each request).'),
  /** Slack channel (a name under slack.channels) for this job's messages. */
  slackChannel: z
    .string()
    .optional()
    .describe("Slack channel (a name under slack.channels) for this job's messages."),
  /** Always run this job as a dry run (a safe way to try a new config). */
  dryRun: z
    .boolean()
    .default(false)
    .describe('Always run this job as a dry run (a safe way to try a new config).'),
  /**
   * Misfire policy: how late a missed slot (no replica up, host or event loop stalled) may still
   * run, once, as a catch-up (`2h`, `1d`; `none` never). Default by schedule frequency (README).
   */
  catchUp: catchUpWindow
    .optional()
    .describe('How late a missed slot may still run once (2h, 1d) or none; default by schedule frequency.'),
};

export const baseConfigShape = {
  /** Default time zone for schedules. */
  timezone: timezone.default('UTC').describe('Default time zone for schedules.'),
  forges: z
    .record(z.string().regex(/^[\w.-]+$/, 'forge names use letters, digits, dot, dash'), forgeSchema)
    .default({})
    .describe('GitLab and GitHub instances by name; jobs refer to them by that name.'),
  slack: slackSchema.default({ channels: {} }).describe('Where job messages and alerts go.'),
  sentry: sentrySchema.optional().describe('Errors and cron check-ins.'),
  store: storeSchema
    .default({ path: '.release-bot/state.db' })
    .describe('Run history, leases and job state: SQLite file or PostgreSQL.'),
  server: serverSchema
    .default({ host: '127.0.0.1', port: 9464 })
    .describe("The daemon's HTTP server: /healthz, /metrics, status page."),
  runner: runnerSchema.default({ shutdownGraceSeconds: 30 }).describe('Shutdown grace and lease TTL.'),
  freezes: freezesSchema,
  /** Free-form, for YAML anchors shared between jobs. Ignored by the bot. */
  definitions: z
    .unknown()
    .optional()
    .describe('Free-form, for YAML anchors shared between jobs. Ignored by the bot.'),
};

export type ForgeConfig = z.infer<typeof forgeSchema>;
export type SlackConfig = z.infer<typeof slackSchema>;
export type { SlackAppConfig };
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
  /** Change freezes (src/control/freezes.ts); absent in configs built by hand in tests. */
  freezes?: Freeze[];
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
      jobs: z
        .object(jobShapes)
        .strict()
        .default({})
        .describe('One section per job to run; a job without a section is not scheduled.'),
    })
    .strict()
    .superRefine((config, ctx) => {
      const names = jobs.map((j) => j.name);
      config.freezes.forEach((freeze, i) =>
        freeze.jobs?.forEach((job, j) => {
          if (!names.includes(job))
            ctx.addIssue({
              code: 'custom',
              path: ['freezes', i, 'jobs', j],
              message: `unknown job "${job}" (jobs: ${names.join(', ')})`,
            });
        }),
      );
    });
}
