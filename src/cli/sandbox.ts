import { UsageError } from '../errors.js';

export async function sandboxCommand(_options: unknown): Promise<number> {
  throw new UsageError('release-bot sandbox: not available yet in this build');
}
