/**
 * Block Kit limits (https://api.slack.com/reference/block-kit). Slack rejects a message that
 * breaks any of them with `invalid_blocks`, and the whole notification is lost, so the renderer
 * cuts to fit and the test helper `validateBlockKit` checks the same numbers.
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
