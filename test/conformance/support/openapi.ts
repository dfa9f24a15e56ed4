import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * GitHub's own OpenAPI description (@octokit/openapi, api.github.com, not dereferenced) and a
 * small strict validator for answers: required fields, JSON types, enums, date-times, and no field
 * the operation's schema does not define (the published schema leaves `additionalProperties`
 * open; a simulator that adds or renames fields would pass a plain JSON-schema check).
 */

type Schema = {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  format?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};

interface Operation {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}

interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, unknown> };
}

export interface Violation {
  operation: string;
  status: number;
  /** JSON path in the answer body, `$` for the root. */
  at: string;
  rule: string;
  message: string;
}

interface Template {
  path: string;
  strict: RegExp;
  /** A trailing ref or path parameter may hold `/` or be empty, tried when no strict template matches. */
  loose: RegExp;
  params: number;
  literals: number;
}

const ERROR_BODY: Schema = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string' },
    documentation_url: { type: 'string' },
    url: { type: 'string' },
    status: { type: 'string' },
    errors: {
      type: 'array',
      // Items name the resource, field and code; some add more (a deployment's failed `contexts`).
      items: {
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            required: ['code'],
            properties: { code: { type: 'string' } },
            additionalProperties: true,
          },
        ],
      },
    },
  },
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(path: string): Template {
  const parts = path.split(/(\{[^}]+\})/).filter(Boolean);
  // Only a trailing ref or file path may span segments (`git/refs/heads/main`, `contents/a/b`).
  const last = parts.findLastIndex((p) => /^\{(ref|path|basehead)\}$/.test(p));
  const build = (param: string, tail: string) =>
    new RegExp(
      `^${parts.map((p, i) => (!p.startsWith('{') ? escape(p) : i === last ? tail : param)).join('')}/?$`,
    );
  const params = parts.filter((p) => p.startsWith('{')).length;
  return {
    path,
    strict: build('[^/]+', '[^/]+'),
    loose: build('[^/]+', '.*'),
    params,
    literals: parts.filter((p) => !p.startsWith('{')).join('').length,
  };
}

export interface OpenApi {
  /** The operation GitHub documents for this method and (encoded) request path. */
  operation(method: string, path: string): { id: string; template: string; op: Operation } | undefined;
  /** Violations of one answer; an operation or success status GitHub does not document is one too. */
  check(method: string, path: string, status: number, body: unknown): Violation[];
  /** Violations of an error body (any operation, GraphQL too). */
  checkError(operation: string, status: number, body: unknown): Violation[];
}

export function loadOpenApi(): OpenApi {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  const templates = Object.keys(spec.paths).map(compile);

  function resolve<T>(node: T & { $ref?: string }): T {
    let current: unknown = node;
    while (current && typeof current === 'object' && '$ref' in current) {
      const ref = (current as { $ref: string }).$ref;
      current = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], spec);
    }
    return current as T;
  }

  function operation(method: string, rawPath: string) {
    const verb = method.toLowerCase();
    // Pagination links address a repository by id (`/repositories/1000/issues`): undocumented,
    // the same operation as its `/repos/{owner}/{repo}` twin.
    const path = rawPath.split('?')[0]!.replace(/^\/repositories\/\d+\//, '/repos/_/_/');
    const rank = (a: Template, b: Template) => a.params - b.params || b.literals - a.literals;
    const candidates = templates.filter((t) => spec.paths[t.path]![verb]);
    const found =
      candidates.filter((t) => t.strict.test(path)).sort(rank)[0] ??
      candidates
        // `contents` without a path lists the root, as `contents/` does.
        .filter((t) => t.loose.test(path) || t.loose.test(`${path}/`))
        .sort((a, b) => b.literals - a.literals || a.params - b.params)[0];
    if (!found) return undefined;
    const op = spec.paths[found.path]![verb]!;
    return { id: op.operationId, template: found.path, op };
  }

  /** Property names an object schema defines, or null when it leaves them open. */
  function known(schema: Schema): Set<string> | null {
    const s = resolve(schema);
    if (s.allOf) {
      const names = new Set<string>();
      for (const part of s.allOf) {
        const k = known(part);
        if (k === null) return null;
        for (const n of k) names.add(n);
      }
      return names;
    }
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) return null;
    if (!s.properties) return null;
    return new Set(Object.keys(s.properties));
  }

  function validate(
    schema: Schema,
    value: unknown,
    at: string,
    out: Omit<Violation, 'operation' | 'status'>[],
    strict = true,
  ): void {
    const s = resolve(schema);
    const fail = (rule: string, message: string): void => {
      out.push({ at, rule, message });
    };
    if (value === null) {
      if (s.nullable || (s.enum?.includes(null) ?? false)) return;
      if (s.allOf?.some((p) => resolve(p).nullable)) return;
      if (!s.type && !s.allOf && !s.oneOf && !s.anyOf && !s.properties) return;
      if (!(s.oneOf ?? s.anyOf)) return fail('nullable', 'null where the schema does not allow null');
    }
    const branches = s.oneOf ?? s.anyOf;
    if (branches) {
      const tries = branches.map((b) => {
        const errs: Omit<Violation, 'operation' | 'status'>[] = [];
        validate(b, value, at, errs);
        return errs;
      });
      if (tries.some((e) => e.length === 0)) return;
      const best = tries.sort((a, b) => a.length - b.length)[0]!;
      out.push(...best.map((e) => ({ ...e, rule: `${s.oneOf ? 'oneOf' : 'anyOf'}/${e.rule}` })));
      return;
    }
    if (s.allOf) {
      for (const part of s.allOf) validate(part, value, at, out, false);
      if (strict) unknownFields(s, value, at, out);
      return;
    }
    const type = s.type ?? (s.properties ? 'object' : undefined);
    if (type === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return fail('type', `expected object, got ${kind(value)}`);
      const record = value as Record<string, unknown>;
      for (const name of s.required ?? [])
        if (!(name in record))
          out.push({ at: `${at}.${name}`, rule: 'required', message: `missing required field "${name}"` });
      for (const [name, v] of Object.entries(record)) {
        const prop = s.properties?.[name];
        if (prop) validate(prop, v, `${at}.${name}`, out);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object')
          validate(s.additionalProperties, v, `${at}.${name}`, out);
      }
      if (strict) unknownFields(s, value, at, out);
      return;
    }
    if (type === 'array') {
      if (!Array.isArray(value)) return fail('type', `expected array, got ${kind(value)}`);
      value.forEach((item, i) => s.items && validate(s.items, item, `${at}[${i}]`, out));
      return;
    }
    if (type === 'string' && typeof value !== 'string')
      return fail('type', `expected string, got ${kind(value)}`);
    if (type === 'integer' && !Number.isInteger(value))
      return fail('type', `expected integer, got ${kind(value)}`);
    if (type === 'number' && typeof value !== 'number')
      return fail('type', `expected number, got ${kind(value)}`);
    if (type === 'boolean' && typeof value !== 'boolean')
      return fail('type', `expected boolean, got ${kind(value)}`);
    if (s.enum && !s.enum.includes(value))
      return fail('enum', `${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
    if (s.format === 'date-time' && typeof value === 'string' && !DATE_TIME.test(value))
      fail('format', `"${value}" is not an ISO 8601 date-time`);
  }

  function unknownFields(
    s: Schema,
    value: unknown,
    at: string,
    out: Omit<Violation, 'operation' | 'status'>[],
  ): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const names = known(s);
    if (!names) return;
    for (const name of Object.keys(value))
      if (!names.has(name))
        out.push({
          at: `${at}.${name}`,
          rule: 'additionalProperties',
          message: `field "${name}" is not in the schema`,
        });
  }

  function check(method: string, path: string, status: number, body: unknown): Violation[] {
    const found = operation(method, path);
    if (!found)
      return [
        {
          operation: `${method} ${path}`,
          status,
          at: '$',
          rule: 'operation',
          message: 'no such operation in the OpenAPI description',
        },
      ];
    const responses = found.op.responses;
    const violation = (v: Omit<Violation, 'operation' | 'status'>): Violation => ({
      operation: found.id,
      status,
      ...v,
    });
    const out: Omit<Violation, 'operation' | 'status'>[] = [];
    if (status >= 400) {
      // GitHub's error bodies are one family (basic-error, validation-error[-simple]) on every
      // operation, listed or not; the description omits the `status` field GitHub now adds.
      validate(ERROR_BODY, body, '$', out);
      return out.map(violation);
    }
    const entry = responses[String(status)];
    if (!entry)
      return [
        violation({
          at: '$',
          rule: 'status',
          message: `status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`,
        }),
      ];
    const content = resolve(entry).content;
    const schema = content?.['application/json']?.schema ?? Object.values(content ?? {})[0]?.schema;
    if (!schema) {
      if (body === undefined || body === null) return [];
      return [violation({ at: '$', rule: 'content', message: `no body is documented for ${status}` })];
    }
    validate(schema, body, '$', out);
    return out.map(violation);
  }

  function checkError(operation: string, status: number, body: unknown): Violation[] {
    const out: Omit<Violation, 'operation' | 'status'>[] = [];
    validate(ERROR_BODY, body, '$', out);
    return out.map((v) => ({ operation, status, ...v }));
  }

  return { operation, check, checkError };
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}
