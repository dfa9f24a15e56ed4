import { escapeText, truncate } from '../notify/slack-text.js';

/**
 * Answers in Slack's response format: `ephemeral` (only the person who asked sees it) or
 * `in_channel`; plain mrkdwn text with everything that came from a forge or a person escaped
 * (escapeText neutralises `<!channel>`, links and mentions).
 */

export interface SlackReply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  replace_original?: boolean;
}

/** Slack shows at most 40 000 characters of `text`; answers stay far below. */
const MAX = 3_900;

export function reply(text: string, visibility: SlackReply['response_type'] = 'ephemeral'): SlackReply {
  return { response_type: visibility, text: truncate(text, MAX) };
}

/** Untrusted text, escaped and on one line. */
export function safe(text: string): string {
  return escapeText(text.replace(/[\r\n]+/g, ' '));
}
