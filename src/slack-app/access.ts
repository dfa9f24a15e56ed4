import type { SlackAppConfig, SlackCommandName } from './config-schema.js';

/** Who may run a command: a user id listed for it, `*`, or a member of a group listed for it. */
export function mayRun(app: SlackAppConfig, command: SlackCommandName, userId: string): boolean {
  const entry = app.commands[command];
  if (!entry) return false;
  if (entry.users.includes('*') || entry.users.includes(userId)) return true;
  return entry.groups.some((group) => app.groups[group]?.includes(userId) ?? false);
}

/** How a Slack user shows in the command log: `slack:U0123 (alice)`. */
export function actorName(app: SlackAppConfig, userId: string, userName?: string): string {
  const known = app.users[userId];
  return `slack:${userId}${known ? ` (${known})` : userName ? ` (${userName.slice(0, 80)}, not in slack.app.users)` : ''}`;
}
