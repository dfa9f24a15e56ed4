import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The Forge method a request is made for. The HTTP path reads it to count the pages one call
 * follows (both SDKs paginate inside their own loops, which we cannot see into) and to name the
 * operation in limit errors.
 */
export interface ForgeCall {
  operation: string;
  pages: number;
}

const calls = new AsyncLocalStorage<ForgeCall>();

export function withForgeCall<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  return calls.run({ operation, pages: 0 }, fn);
}

export function currentForgeCall(): ForgeCall | undefined {
  return calls.getStore();
}
