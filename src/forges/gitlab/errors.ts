import { ForgeError } from '../../errors.js';
import { mask } from '../../secrets/masker.js';

/**
 * GitLab error answers → ForgeError. GitLab puts the reason in `message` (a string, an array, or
 * `{attr: [errors]}` for validation) or, for Grape parameter errors and OAuth scopes, in `error`.
 * Errors our fetch throws (TransientError, DryRunWriteError, aborts) are never wrapped.
 */

export function describeBody(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? body : undefined;
  const b = body as { message?: unknown; error?: unknown; error_description?: unknown };
  const value = b.message ?? b.error;
  if (typeof value === 'string')
    return typeof b.error_description === 'string' ? `${value}: ${b.error_description}` : value;
  if (Array.isArray(value)) return value.map(String).join('; ');
  if (value && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
      .join('; ');
  return undefined;
}

export async function errorFromResponse(
  forge: string,
  method: string,
  url: URL,
  response: Response,
): Promise<ForgeError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  const route = `${method} ${mask(decodeURIComponent(url.pathname))}`;
  const reason = describeBody(body) ?? `HTTP ${response.status}`;
  return new ForgeError(
    mask(`${forge}: ${route} answered ${response.status}: ${reason}`),
    response.status,
    forge,
    route,
    body,
  );
}

/** A lookup's 404 means "absent" — except a missing project, which is a configuration error. */
export function isAbsent(error: unknown): boolean {
  if (!(error instanceof ForgeError) || error.status !== 404) return false;
  return !/Project Not Found/i.test(describeBody(error.body) ?? '');
}

export function reasonOf(error: ForgeError): string {
  return describeBody(error.body) ?? error.message;
}
