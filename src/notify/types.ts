/**
 * What jobs and the runner hand to the notifier. Jobs describe a message; the Slack layer turns
 * it into Block Kit with a plain-text fallback, escapes everything that came from a forge, and
 * keeps within Slack's limits. Nothing here is Slack-specific so a job cannot forget to escape.
 */

export type Severity = 'info' | 'success' | 'warning' | 'error';

export interface NotifyLink {
  text: string;
  url: string;
}

export interface NotifyField {
  label: string;
  /** Untrusted text (escaped when rendered). */
  value: string;
  /** Optional http(s) link for the value (an MR, a pipeline, a commit). */
  url?: string;
}

export interface NotifyDecision {
  text: string;
  /** `release-bot:approve`, `release-bot:decline` (src/slack-app/actions.ts). */
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
}

/** A list entry: untrusted text, optionally linking somewhere (a failed job, a commit). */
export type NotifyItem = string | { text: string; url?: string };

export interface NotifyMessage {
  /** One line, e.g. "update-component: gitaly bump MR pipeline failed". Untrusted parts are escaped. */
  title: string;
  severity: Severity;
  /** Paragraphs of untrusted text. */
  sections?: string[];
  /** Short key/value facts (project, ref, verdict, ...). */
  fields?: NotifyField[];
  /** A list (failed jobs, commits, packages); long lists are cut and summarised ("and 150 more"). */
  items?: NotifyItem[];
  /** Heading above `items`. */
  itemsTitle?: string;
  /** Link buttons (MR, pipeline, compare, approval issue). */
  links?: NotifyLink[];
  /**
   * Decision buttons (Approve / Decline) answered by the Slack app's /slack/actions (config
   * `slack.app`); `value` is the bot's own JSON, returned as is with the click.
   */
  decisions?: NotifyDecision[];
  /** Trusted mention from the config (`<!subteam^S0123>` or `@gitaly-team`): the only mention that survives. */
  mention?: string;
  /** "What to do next", shown prominently. Untrusted. */
  nextStep?: string;
  /** Why, in one sentence: the plain-text fallback (a phone notification) shows it under the title. Untrusted. Default: the first section. */
  reason?: string;
  /** Footer context: job and run id; `runUrl` (the run's page, from `server.publicUrl`) is filled by the notifier. */
  context: { job: string; runId?: string; dryRun?: boolean; runUrl?: string };
}

/**
 * One incident, one conversation: the first message of `key` becomes the parent; later ones go in
 * its thread and update the parent ("still failing (3)"); `resolved` updates the parent and
 * replies in the thread, then ends the conversation. With webhooks only (no threads), the first
 * message is posted, later ones at most once an hour as "still failing (n)", and the recovery.
 */
export interface IncidentRef {
  /** Stable per incident subject: `ref:gitlab:org/app:main`. */
  key: string;
  resolved?: boolean;
}

/**
 * One subject followed through its steps (a bump through the environments), one conversation.
 * With a bot token: the first step posts the parent (the job's `summary`) and replies in its
 * thread with the step's message; each later step replies in the thread and updates the parent
 * to the new `summary` (the parent always says where it stands now; the thread is the history).
 * With webhooks only (no threads): each step is one message of its own. A step already said
 * (`step`, remembered in the conversation) is not said again: a run that posted it but died
 * before recording it only brings the parent up to date. A parent someone deleted starts afresh.
 */
export interface ProgressRef {
  /** Stable per subject: `follow-deployments:bump:gitaly:gitlab:org/app:12`. */
  key: string;
  /** Stable per step within the conversation (`arrival:gstg-cny#41`); a step said before is not said again. */
  step: string;
  /** The parent as it should read after this step (untrusted parts are escaped, like any message). */
  summary: NotifyMessage;
}

export interface SendOptions {
  incident?: IncidentRef;
  progress?: ProgressRef;
}

export interface SentMessage {
  channel: string;
  message: NotifyMessage;
  /** false in dry-run or when no channel is configured. */
  delivered: boolean;
  /** The plain-text fallback as rendered (masked), for dry-run output and run reports. */
  text?: string;
  /** In an incident: `parent` (opened it), `reply` (in its thread), `update` (webhook "still failing"), `held` (not sent: said less than an hour ago), `resolved`. */
  incident?: 'parent' | 'reply' | 'update' | 'held' | 'resolved';
  /**
   * In a progress conversation: `opened` (parent posted, the step replied in its thread), `reply`
   * (in the thread, parent updated), `message` (webhook: a message of its own), `said` (the step
   * was said before: nothing posted, the parent brought up to date).
   */
  progress?: 'opened' | 'reply' | 'message' | 'said';
  /** Slack's message timestamp (bot-token mode). */
  ts?: string;
}

export interface Notifier {
  /**
   * Send to a named channel from the config (`slack.channels.<name>`), or the default channel.
   * In dry-run nothing is sent; the message is only recorded.
   */
  send(channel: string | undefined, message: NotifyMessage, options?: SendOptions): Promise<SentMessage>;
  /** Messages sent (or, in dry-run, not sent) through this notifier, for run reports. */
  readonly sent: SentMessage[];
}

/** The logging the notifier needs; a pino logger fits. */
export interface NotifyLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}
