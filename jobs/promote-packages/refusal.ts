/**
 * A package file the bot must not publish: its bytes do not match staging's checksum, or the
 * public registry already holds a different file under the same name. Never retried, never
 * overwritten: a human has to look.
 */
export class RefusalError extends Error {
  override name = 'RefusalError';
}
