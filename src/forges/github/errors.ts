import {
  DryRunWriteError,
  ForgeError,
  LeaseLostError,
  NotFastForwardError,
  TransientError,
} from '../../errors.js';
import { mask } from '../../secrets/masker.js';

/**
 * Octokit errors → the project's typed errors. Octokit wraps whatever our fetch throws in a
 * RequestError (status 500) with the original as `cause`: a TransientError (retries exhausted),
 * a DryRunWriteError or an abort must come back out as themselves, not as "HTTP 500".
 */

interface OctokitLikeError {
  name?: string;
  status?: number;
  message?: string;
  cause?: unknown;
  response?: { data?: unknown };
  errors?: { type?: string; message?: string }[];
}

function innerCause(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (
      current instanceof TransientError ||
      current instanceof DryRunWriteError ||
      current instanceof LeaseLostError ||
      current instanceof ForgeError ||
      (current instanceof Error && (current.name === 'AbortError' || current.name === 'TimeoutError'))
    )
      return current;
    current = (current as OctokitLikeError).cause;
  }
  return undefined;
}

function messageOf(data: unknown, fallback: string): string {
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string') {
    const errors = (data as { errors?: unknown[] }).errors;
    const details = Array.isArray(errors)
      ? errors
          .map((e) =>
            typeof e === 'string'
              ? e
              : ((e as { message?: string }).message ?? (e as { code?: string }).code),
          )
          .filter(Boolean)
      : [];
    return details.length ? `${data.message}: ${details.join('; ')}` : data.message;
  }
  return fallback;
}

const GRAPHQL_STATUS: Record<string, number> = { NOT_FOUND: 404, FORBIDDEN: 403, UNPROCESSABLE: 422 };

export function toForgeError(error: unknown, forge: string, route: string): Error {
  if (error instanceof ForgeError) return error;
  const inner = innerCause(error);
  if (inner) return inner;
  const e = error as OctokitLikeError;
  if (e?.name === 'GraphqlResponseError' && Array.isArray(e.errors)) {
    const first = e.errors[0] ?? {};
    return new ForgeError(
      mask(`${forge}: ${route}: ${e.errors.map((x) => x.message).join('; ')}`),
      GRAPHQL_STATUS[first.type ?? ''] ?? 400,
      forge,
      route,
      e.errors,
    );
  }
  if (typeof e?.status === 'number' && e.response) {
    const data = e.response.data;
    const message = mask(`${forge}: ${route} answered ${e.status}: ${messageOf(data, e.message ?? '')}`);
    if (e.status === 422 && /not a fast forward/i.test(messageOf(data, '')))
      return new NotFastForwardError(message, e.status, forge, route, data);
    return new ForgeError(message, e.status, forge, route, data);
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function isStatus(error: unknown, ...statuses: number[]): error is ForgeError {
  return error instanceof ForgeError && statuses.includes(error.status);
}
