import { UsageError } from '../errors.js';

export async function demoCommand(_options: unknown): Promise<number> {
  throw new UsageError('release-bot demo: not available yet in this build');
}
