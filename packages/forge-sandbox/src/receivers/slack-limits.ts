/**
 * Slack's documented Block Kit limits (https://api.slack.com/reference/block-kit), as the local
 * Slack receiver enforces them. Stated here on purpose, apart from the renderer's own copy in the
 * bot (src/notify/slack-limits.ts): the receiver plays Slack, so a limit the renderer misreads must
 * be caught here, not shared.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  elementsPerActions: 25,
  buttonText: 75,
  buttonUrl: 3000,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  contextElements: 10,
  contextText: 3000,
  /** Slack truncates `text` beyond 40,000 characters; a fallback is a summary anyway. */
  fallbackText: 3000,
} as const;
