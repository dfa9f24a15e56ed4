import { z } from 'zod';

/**
 * `slack.app`: the Slack app that talks to the daemon (slash command `/release-bot`, buttons).
 * Requests are checked with the app's signing secret; each command has its own allow-list of
 * Slack user ids and groups (named here, lists of user ids). A command with no entry is refused.
 */

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U0123ABCD');
const allowEntry = z
  .object({
    users: z
      .array(z.union([slackUserId, z.literal('*')]))
      .default([])
      .describe('Slack user ids allowed; `*`: anyone in the workspace.'),
    groups: z.array(z.string().min(1)).default([]).describe('Group names (under slack.app.groups) allowed.'),
  })
  .strict();

export const SLACK_COMMANDS = [
  'status',
  'which',
  'rollback-check',
  'trace',
  'run',
  'pause',
  'resume',
  'hold',
  'release',
] as const;
export type SlackCommandName = (typeof SLACK_COMMANDS)[number];

export const slackAppSchema = z
  .object({
    signingSecret: z
      .string()
      .min(8, 'too short to be a Slack signing secret')
      .describe("The app's signing secret (Basic Information → App Credentials); a secret: use ${NAME}."),
    teamId: z
      .string()
      .regex(/^T[A-Z0-9]+$/)
      .optional()
      .describe('Only requests from this workspace are served.'),
    users: z
      .record(slackUserId, z.string().min(1))
      .default({})
      .describe(
        'Slack user id → name shown in history and matched against approvers lists (e.g. the forge username).',
      ),
    groups: z
      .record(z.string().regex(/^[\w.-]+$/), z.array(slackUserId))
      .default({})
      .describe('Named groups of Slack user ids, for the allow-lists.'),
    commands: z
      .partialRecord(z.enum(SLACK_COMMANDS), allowEntry)
      .default({})
      .describe('Who may run each command; a command without an entry is refused for everyone.'),
  })
  .strict()
  .superRefine((app, ctx) => {
    for (const [command, entry] of Object.entries(app.commands))
      entry?.groups.forEach((group, i) => {
        if (!app.groups[group])
          ctx.addIssue({
            code: 'custom',
            path: ['commands', command, 'groups', i],
            message: `unknown group "${group}" (slack.app.groups has: ${Object.keys(app.groups).join(', ') || 'none'})`,
          });
      });
  });

export type SlackAppConfig = z.infer<typeof slackAppSchema>;
