/**
 * GitHub's error body. Its own file so that the rate limiter and the route context (context.ts,
 * which runs the limiter) can both use it without importing each other.
 */

export const DOCS = 'https://docs.github.com/rest';

export function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): unknown {
  return { message, ...extra, documentation_url: DOCS, status: String(status) };
}
