/**
 * Turns a `NotifyMessage` into an incoming-webhook payload: Block Kit blocks plus a plain `text`
 * fallback (what notifications and screen readers show). Pure: no I/O, so job tests can render
 * a message and inspect it without a Slack receiver.
 */
import { maskDeep } from '../secrets/masker.js';
import { SLACK_LIMITS as L } from './slack-limits.js';
import { escapeText, oneLine, renderMention, safeUrl, slackLink, splitText, truncate } from './slack-text.js';
import type {
  NotifyDecision,
  NotifyField,
  NotifyItem,
  NotifyLink,
  NotifyMessage,
  Severity,
} from './types.js';

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  /** true: Slack does not auto-link URLs, channel names or mentions in this text. */
  verbatim?: boolean;
}

export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}

export interface SectionBlock {
  type: 'section';
  text?: MrkdwnText;
  fields?: MrkdwnText[];
}

export interface ButtonElement {
  type: 'button';
  text: PlainText;
  url?: string;
  action_id: string;
  /** Decision buttons: returned to the Slack app with the click. */
  value?: string;
  style?: 'primary' | 'danger';
}

export interface ActionsBlock {
  type: 'actions';
  elements: ButtonElement[];
}

export interface ContextBlock {
  type: 'context';
  elements: MrkdwnText[];
}

export type SlackBlock = HeaderBlock | SectionBlock | ActionsBlock | ContextBlock;

/** What an incoming webhook receives. */
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
  /** Set only for a trusted bare `@group` mention, which Slack links only with link_names. */
  link_names?: boolean;
  unfurl_links: boolean;
  unfurl_media: boolean;
}

const EMOJI: Record<Severity, string> = {
  error: ':rotating_light:',
  warning: ':warning:',
  success: ':white_check_mark:',
  info: ':information_source:',
};

/** Fields beyond this go into one "N more" field: a message is a summary, not a dump. */
const MAX_FIELDS = 2 * L.fieldsPerSection;
/** A single list entry never takes more than a third of a section. */
const MAX_ITEM_TEXT = 500;
const MAX_ITEM_LINE = 1000;

/**
 * Renders a message for an incoming webhook. Every untrusted string is escaped and stripped of
 * mentions; only `message.mention` (when it looks like a real mention) is emitted raw. Secrets
 * registered with the masker are masked first, so lengths are computed on what is really sent.
 */
export function renderSlackMessage(input: NotifyMessage): SlackPayload {
  const message = maskDeep(input);
  const mention = renderMention(message.mention);
  const emoji = EMOJI[message.severity] ?? EMOJI.info;

  const header: HeaderBlock = {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(`${emoji} ${escapeText(oneLine(message.title))}`, L.headerText),
      emoji: true,
    },
  };

  const lead = renderLead(mention?.text, message.nextStep);
  const fieldSections = renderFields(message.fields ?? []);
  const { actions, overflow } = renderLinks(message.links ?? []);
  const decisions = renderDecisions(message.decisions ?? []);
  const context = renderContext(message.context);

  const fixed =
    1 +
    (lead ? 1 : 0) +
    fieldSections.length +
    (actions ? 1 : 0) +
    (decisions ? 1 : 0) +
    (overflow ? 1 : 0) +
    1;
  const available = L.blocksPerMessage - fixed;
  const paragraphs = (message.sections ?? []).flatMap((p) => splitText(escapeText(p), L.sectionText));
  const items = message.items ?? [];
  const itemLines = items.map(renderItem);
  const title = message.itemsTitle
    ? `*${truncate(escapeText(oneLine(message.itemsTitle)), 300)}*`
    : undefined;
  const itemBlocksWanted = items.length ? packLines(title, itemLines, Infinity).length : 0;

  let paragraphBudget = paragraphs.length;
  let itemBudget = itemBlocksWanted;
  if (paragraphBudget + itemBudget > available) {
    // The list is what on-call acts on: keep at least two sections of it, cut prose first.
    itemBudget = Math.min(itemBlocksWanted, Math.max(2, available - paragraphBudget));
    paragraphBudget = available - itemBudget;
  }

  const blocks: SlackBlock[] = [header];
  if (lead) blocks.push(section(lead, false));
  blocks.push(...fieldSections);
  blocks.push(...cutParagraphs(paragraphs, paragraphBudget).map((text) => section(text)));
  if (items.length) blocks.push(...packLines(title, itemLines, itemBudget).map((text) => section(text)));
  if (decisions) blocks.push(decisions);
  if (actions) blocks.push(actions);
  if (overflow) blocks.push(section(overflow));
  blocks.push(context);

  const payload: SlackPayload = {
    text: renderFallback(message, emoji, mention?.text),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
  if (mention?.linkNames) payload.link_names = true;
  return payload;
}

function section(text: string, verbatim = true): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text, verbatim } };
}

function renderLead(mention: string | undefined, nextStep: string | undefined): string | undefined {
  const step = nextStep?.trim() ? `*Next step:* ${escapeText(nextStep.trim())}` : '';
  const text = [mention, step].filter(Boolean).join(' ');
  return text ? truncate(text, L.sectionText) : undefined;
}

function renderFieldValue(field: NotifyField, max: number): string {
  const value = field.value.trim() === '' ? '—' : field.value;
  const url = field.url ? safeUrl(field.url, 1000) : undefined;
  const label = `*${truncate(escapeText(oneLine(field.label)), 200)}*\n`;
  // label ≤ 200 + link text ≤ 500 + url ≤ 1000 stays under the field limit: never cut a link.
  if (url) return `${label}<${url}|${truncate(escapeText(oneLine(value)), 500)}>`;
  return truncate(`${label}${escapeText(value)}`, max);
}

function renderFields(fields: NotifyField[]): SectionBlock[] {
  const kept = fields.length > MAX_FIELDS ? fields.slice(0, MAX_FIELDS - 1) : fields;
  const texts = kept.map((f) => renderFieldValue(f, L.fieldText));
  if (kept.length < fields.length) texts.push(`_…and ${fields.length - kept.length} more_`);
  const sections: SectionBlock[] = [];
  for (let i = 0; i < texts.length; i += L.fieldsPerSection) {
    sections.push({
      type: 'section',
      fields: texts
        .slice(i, i + L.fieldsPerSection)
        .map((text) => ({ type: 'mrkdwn', text, verbatim: true })),
    });
  }
  return sections;
}

function renderItem(item: NotifyItem): string {
  const { text, url } = typeof item === 'string' ? { text: item, url: undefined } : item;
  const label = truncate(escapeText(oneLine(text)), MAX_ITEM_TEXT);
  const href = url ? safeUrl(url, MAX_ITEM_LINE) : undefined;
  const line = href ? `• <${href}|${label || href}>` : `• ${label}`;
  return line.length <= MAX_ITEM_LINE ? line : `• ${label}`;
}

/**
 * Packs lines into at most `maxBlocks` section texts of ≤ 3000 characters. When they do not
 * fit, the last text ends with "…and N more" so the reader knows the list was cut.
 */
function packLines(title: string | undefined, lines: string[], maxBlocks: number): string[] {
  if (maxBlocks <= 0) return [];
  const blocks: string[] = [];
  let current: string[] = title ? [title] : [];
  let size = title ? title.length : 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const added = (current.length ? 1 : 0) + line.length;
    if (size + added <= L.sectionText) {
      current.push(line);
      size += added;
      continue;
    }
    if (blocks.length + 1 < maxBlocks) {
      blocks.push(current.join('\n'));
      current = [line];
      size = line.length;
      continue;
    }
    let remaining = lines.length - i;
    const summary = (): string => `_…and ${remaining} more_`;
    while (current.length && size + 1 + summary().length > L.sectionText) {
      const dropped = current.pop() as string;
      size -= dropped.length + (current.length ? 1 : 0);
      if (dropped !== title) remaining += 1;
    }
    current.push(summary());
    break;
  }
  if (current.length) blocks.push(current.join('\n'));
  return blocks;
}

function cutParagraphs(paragraphs: string[], budget: number): string[] {
  if (paragraphs.length <= budget) return paragraphs;
  if (budget <= 0) return [];
  const kept = paragraphs.slice(0, budget);
  const last = kept[budget - 1] as string;
  kept[budget - 1] = truncate(last, L.sectionText - 20) + '\n_(message cut)_';
  return kept;
}

/** Approve / Decline: buttons that post back to the Slack app, in a block of their own. */
function renderDecisions(decisions: NotifyDecision[]): ActionsBlock | undefined {
  const buttons = decisions
    .filter(
      (d) => d.value.length > 0 && d.value.length <= L.buttonValue && /^[\w:.-]{1,255}$/.test(d.actionId),
    )
    .slice(0, L.elementsPerActions)
    .map((d): ButtonElement => ({
      type: 'button',
      text: {
        type: 'plain_text',
        text: truncate(escapeText(oneLine(d.text)) || 'decide', L.buttonText),
        emoji: true,
      },
      action_id: d.actionId,
      value: d.value,
      ...(d.style ? { style: d.style } : {}),
    }));
  return buttons.length ? { type: 'actions', elements: buttons } : undefined;
}

function renderLinks(links: NotifyLink[]): { actions?: ActionsBlock; overflow?: string } {
  const valid = links.flatMap((link) => {
    const url = safeUrl(link.url, L.buttonUrl);
    return url ? [{ text: link.text, url }] : [];
  });
  if (!valid.length) return {};
  const buttons = valid.slice(0, L.elementsPerActions).map((link, i): ButtonElement => ({
    type: 'button',
    text: {
      type: 'plain_text',
      text: truncate(escapeText(oneLine(link.text)) || 'link', L.buttonText),
      emoji: true,
    },
    url: link.url,
    action_id: `link-${i}`,
  }));
  const rest = valid.slice(L.elementsPerActions);
  let overflow: string | undefined;
  if (rest.length) {
    const lines: string[] = [];
    let size = 0;
    for (const link of rest) {
      const line = slackLink(link.url, truncate(oneLine(link.text), 200));
      if (size + line.length + 40 > L.sectionText) {
        lines.push(`_…and ${rest.length - lines.length} more links_`);
        break;
      }
      lines.push(line);
      size += line.length + 1;
    }
    overflow = lines.join('\n');
  }
  return { actions: { type: 'actions', elements: buttons }, overflow };
}

function renderContext(context: NotifyMessage['context']): ContextBlock {
  const parts = [`job \`${escapeText(oneLine(context.job))}\``];
  if (context.runId) parts.push(`run \`${escapeText(oneLine(context.runId))}\``);
  if (context.dryRun) parts.push('*dry run*');
  const page = context.runUrl ? safeUrl(context.runUrl, 500) : undefined;
  if (page) parts.push(slackLink(page, 'run page'));
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(parts.join(' · '), L.contextText) }],
  };
}

/** Title, mention, key facts, next step and the first link: what a phone notification shows. */
function renderFallback(message: NotifyMessage, emoji: string, mention: string | undefined): string {
  // Each line is capped on its own so the link line is never cut through (a cut `<url|` would show raw).
  const lines = [truncate(`${emoji} ${escapeText(oneLine(message.title))}`, 500)];
  if (mention) lines.push(mention);
  // The reason, not only the title: a phone notification is often all on-call reads.
  const reason = message.reason ?? message.sections?.find((s) => s.trim());
  if (reason?.trim()) lines.push(truncate(escapeText(oneLine(reason)), 300));
  const facts = (message.fields ?? [])
    .slice(0, L.fieldsPerSection)
    .map((f) => `${escapeText(oneLine(f.label))}: ${escapeText(oneLine(f.value))}`);
  if (facts.length) lines.push(truncate(facts.join(' · '), 800));
  if (message.nextStep?.trim())
    lines.push(truncate(`Next step: ${escapeText(oneLine(message.nextStep))}`, 800));
  const link = (message.links ?? []).find((l) => safeUrl(l.url, 500));
  if (link) lines.push(slackLink(link.url, truncate(oneLine(link.text), 80)));
  const page = message.context.runUrl ? safeUrl(message.context.runUrl, 500) : undefined;
  if (page && !link) lines.push(slackLink(page, 'run page'));
  if (message.context.dryRun) lines.push('(dry run)');
  return lines.join('\n');
}
