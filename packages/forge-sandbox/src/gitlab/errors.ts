import { SimError } from '../core/world.js';

/**
 * GitLab's error bodies, as its API helpers render them (lib/api/helpers.rb): `not_found!` →
 * `{"message":"404 X Not Found"}`, `forbidden!` → `{"message":"403 Forbidden - reason"}`,
 * `bad_request!` → `{"message":"400 Bad request - reason"}`, `render_api_error!` → `{"message": msg}`,
 * model validation → `{"message":{"attr":["..."]}}`, Grape parameter errors → `{"error":"x is missing"}`.
 * The exact body travels JSON-encoded in the SimError message, tagged with BODY_CODE.
 */
const BODY_CODE = 'gitlab_body';

export function gitlabError(status: number, body: unknown): SimError {
  return new SimError(status, JSON.stringify(body), BODY_CODE);
}

export function notFound(what?: string): SimError {
  return gitlabError(404, { message: what ? `404 ${what} Not Found` : '404 Not found' });
}

export function forbidden(reason?: string): SimError {
  return gitlabError(403, { message: reason ? `403 Forbidden - ${reason}` : '403 Forbidden' });
}

export function badRequest(reason: string): SimError {
  return gitlabError(400, { message: `400 Bad request - ${reason}` });
}

export function apiError(status: number, message: unknown): SimError {
  return gitlabError(status, { message });
}

export function missing(...params: string[]): SimError {
  return gitlabError(400, { error: params.map((p) => `${p} is missing`).join(', ') });
}

export function invalidValue(param: string): SimError {
  return gitlabError(400, { error: `${param} does not have a valid value` });
}

export function validation(errors: Record<string, string[]>): SimError {
  return gitlabError(400, { message: errors });
}

export function unauthorized(): SimError {
  return gitlabError(401, { message: '401 Unauthorized' });
}

export function notAllowed(): SimError {
  return gitlabError(405, { message: '405 Method Not Allowed' });
}

export function insufficientScope(scope = 'api'): SimError {
  return gitlabError(403, {
    error: 'insufficient_scope',
    error_description: 'The request requires higher privileges than provided by the access token.',
    scope,
  });
}

export function errorBody(status: number, message: string, code?: string): unknown {
  if (code === BODY_CODE) return JSON.parse(message) as unknown;
  if (code === 'unknown_route') return { error: '404 Not Found' };
  // gitlab.com's throttle (Rack::Attack) answers in plain text.
  if (status === 429) return 'Retry later\n';
  if (status === 401) return { message: '401 Unauthorized' };
  return { message: /^\d{3} /.test(message) ? message : `${status} ${message}` };
}
