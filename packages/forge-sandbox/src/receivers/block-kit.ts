/**
 * Checks a Slack webhook payload against Block Kit's limits and block shapes, the way Slack does
 * before answering `invalid_blocks`. Job tests use it to prove their messages would be accepted:
 *
 *   expect(validateBlockKit(receiver.messages[0].payload)).toEqual([]);
 *
 * and `activeMentions` to prove that only the configured mention would notify anyone.
 */
import { SLACK_LIMITS as L } from './slack-limits.js';

export interface ValidateOptions {
  /** The plain `text` fallback is required by this project's rule (notifications show it). Default true. */
  requireText?: boolean;
}

type Json = Record<string, unknown>;

/** Every problem found, each as `path: what is wrong`; empty when the payload is valid. */
export function validateBlockKit(payload: unknown, options: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  const problem = (path: string, what: string): void => {
    problems.push(`${path}: ${what}`);
  };
  if (!isObject(payload)) return ['payload: not an object'];
  const { text, blocks } = payload;
  if (text !== undefined && typeof text !== 'string') problem('text', 'not a string');
  if ((options.requireText ?? true) && (typeof text !== 'string' || text.trim() === '')) {
    problem('text', 'missing (the fallback that notifications show)');
  }
  if (typeof text === 'string' && text.length > 40_000)
    problem('text', `${text.length} characters (max 40000)`);
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks)) return [...problems, 'blocks: not an array'];
  if (blocks.length > L.blocksPerMessage)
    problem('blocks', `${blocks.length} blocks (max ${L.blocksPerMessage})`);

  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  blocks.forEach((block, i) => {
    const path = `blocks[${i}]`;
    if (!isObject(block)) return problem(path, 'not an object');
    if (block.block_id !== undefined) {
      if (!isString(block.block_id, 1, L.blockId))
        problem(`${path}.block_id`, `must be 1..${L.blockId} characters`);
      else if (blockIds.has(block.block_id)) problem(`${path}.block_id`, `duplicate "${block.block_id}"`);
      else blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'header':
        checkText(block.text, `${path}.text`, L.headerText, problem, ['plain_text']);
        break;
      case 'section':
        checkSection(block, path, problem, actionIds);
        break;
      case 'actions':
        checkActions(block, path, problem, actionIds);
        break;
      case 'context':
        checkContext(block, path, problem);
        break;
      case 'divider':
        break;
      case 'image':
        if (!isString(block.image_url, 1, 3000)) problem(`${path}.image_url`, 'required (≤ 3000 characters)');
        if (!isString(block.alt_text, 1, 2000)) problem(`${path}.alt_text`, 'required (≤ 2000 characters)');
        break;
      case 'rich_text':
      case 'markdown':
        break;
      default:
        problem(`${path}.type`, `unknown block type ${JSON.stringify(block.type)}`);
    }
  });
  return problems;
}

/** Throws one error listing every problem; for tests that prefer `assert…` style. */
export function assertValidBlockKit(payload: unknown, options?: ValidateOptions): void {
  const problems = validateBlockKit(payload, options);
  if (problems.length) throw new Error(`invalid Block Kit payload:\n  ${problems.join('\n  ')}`);
}

const ACTIVE_MENTION =
  /<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[^>]+>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>|(?<![\p{L}\p{N}_])@(?:channel|here|everyone)\b/gu;

/**
 * Mentions in a payload that Slack would turn into notifications: `<!channel>`, `<!here>`,
 * `<!everyone>`, `<!subteam^…>`, `<@U…>` and bare `@channel`/`@here`/`@everyone` (a
 * zero-width space after the `@` breaks them). A safe message has only the configured mention.
 */
export function activeMentions(payload: unknown): string[] {
  return slackStrings(payload).flatMap((text) => text.match(ACTIVE_MENTION) ?? []);
}

/** Every string in a payload (the fallback and all block texts), for searching. */
export function slackStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(slackStrings);
  if (isObject(value)) return Object.values(value).flatMap(slackStrings);
  return [];
}

type Problem = (path: string, what: string) => void;

function checkText(
  value: unknown,
  path: string,
  max: number,
  problem: Problem,
  types: string[] = ['plain_text', 'mrkdwn'],
): void {
  if (!isObject(value)) return problem(path, 'text object required');
  if (!types.includes(value.type as string)) {
    problem(`${path}.type`, `must be ${types.join(' or ')}, got ${JSON.stringify(value.type)}`);
  }
  if (typeof value.text !== 'string' || value.text.length === 0)
    return problem(`${path}.text`, 'must be a non-empty string');
  if (value.text.length > max) problem(`${path}.text`, `${value.text.length} characters (max ${max})`);
  if (value.emoji !== undefined && (value.type !== 'plain_text' || typeof value.emoji !== 'boolean')) {
    problem(`${path}.emoji`, 'only a boolean on plain_text');
  }
  if (value.verbatim !== undefined && (value.type !== 'mrkdwn' || typeof value.verbatim !== 'boolean')) {
    problem(`${path}.verbatim`, 'only a boolean on mrkdwn');
  }
}

function checkSection(block: Json, path: string, problem: Problem, actionIds: Set<string>): void {
  if (block.text === undefined && block.fields === undefined) problem(path, 'a section needs text or fields');
  if (block.text !== undefined) checkText(block.text, `${path}.text`, L.sectionText, problem);
  if (block.fields !== undefined) {
    if (!Array.isArray(block.fields) || block.fields.length === 0) {
      problem(`${path}.fields`, 'must be a non-empty array');
    } else {
      if (block.fields.length > L.fieldsPerSection) {
        problem(`${path}.fields`, `${block.fields.length} fields (max ${L.fieldsPerSection})`);
      }
      block.fields.forEach((field, j) => checkText(field, `${path}.fields[${j}]`, L.fieldText, problem));
    }
  }
  if (block.accessory !== undefined) checkElement(block.accessory, `${path}.accessory`, problem, actionIds);
}

function checkActions(block: Json, path: string, problem: Problem, actionIds: Set<string>): void {
  const { elements } = block;
  if (!Array.isArray(elements) || elements.length === 0)
    return problem(`${path}.elements`, 'must be a non-empty array');
  if (elements.length > L.elementsPerActions) {
    problem(`${path}.elements`, `${elements.length} elements (max ${L.elementsPerActions})`);
  }
  elements.forEach((element, j) => checkElement(element, `${path}.elements[${j}]`, problem, actionIds));
}

function checkElement(element: unknown, path: string, problem: Problem, actionIds: Set<string>): void {
  if (!isObject(element)) return problem(path, 'not an object');
  if (element.action_id !== undefined) {
    if (!isString(element.action_id, 1, L.actionId))
      problem(`${path}.action_id`, `must be 1..${L.actionId} characters`);
    else if (actionIds.has(element.action_id))
      problem(`${path}.action_id`, `duplicate "${element.action_id}"`);
    else actionIds.add(element.action_id);
  }
  if (element.type !== 'button') return;
  checkText(element.text, `${path}.text`, L.buttonText, problem, ['plain_text']);
  if (element.url !== undefined) {
    if (!isString(element.url, 1, L.buttonUrl))
      problem(`${path}.url`, `must be 1..${L.buttonUrl} characters`);
    else if (!/^https?:\/\//i.test(element.url)) problem(`${path}.url`, 'must be an http(s) URL');
  }
  if (element.value !== undefined && !isString(element.value, 1, L.buttonValue)) {
    problem(`${path}.value`, `must be 1..${L.buttonValue} characters`);
  }
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
    problem(`${path}.style`, 'must be primary or danger');
  }
}

function checkContext(block: Json, path: string, problem: Problem): void {
  const { elements } = block;
  if (!Array.isArray(elements) || elements.length === 0)
    return problem(`${path}.elements`, 'must be a non-empty array');
  if (elements.length > L.contextElements) {
    problem(`${path}.elements`, `${elements.length} elements (max ${L.contextElements})`);
  }
  elements.forEach((element, j) => {
    const at = `${path}.elements[${j}]`;
    if (isObject(element) && element.type === 'image') {
      if (!isString(element.image_url, 1, 3000)) problem(`${at}.image_url`, 'required');
      if (!isString(element.alt_text, 1, 2000)) problem(`${at}.alt_text`, 'required');
      return;
    }
    checkText(element, at, L.contextText, problem);
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}
