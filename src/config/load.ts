import { readFile, stat } from 'node:fs/promises';
import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../secrets/masker.js';
import { formatPath, interpolateEnv } from './env.js';
import { formatIssues } from './issues.js';
import type { Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = 'config/release-bot.yaml';

export function configPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.RELEASE_BOT_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** Keys whose values are secrets wherever they appear in the config. */
const SECRET_KEYS = new Set([
  'token',
  'approverToken',
  'webhookUrl',
  'dsn',
  'password',
  'authToken',
  'basic',
  'botToken',
]);

export function registerConfigSecrets(value: unknown, key = ''): void {
  if (typeof value === 'string') {
    if (SECRET_KEYS.has(key)) registerSecret(value);
    // Credentials inside URLs (postgres://user:pass@host, https://key@sentry).
    const creds = /^[a-z][\w+.-]*:\/\/([^/@\s]+)@/i.exec(value);
    if (creds) {
      const [user, pass] = creds[1]!.split(':');
      registerSecret(pass ?? user);
    }
    return;
  }
  if (Array.isArray(value)) value.forEach((v) => registerConfigSecrets(v, key));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) registerConfigSecrets(v, k);
}

/** A config is a few KiB; a file far larger is a mistake (or an attack) and is refused unread. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Alias expansions allowed per anchor: plenty for shared `definitions`, far too few for a "billion laughs". */
const MAX_ALIAS_COUNT = 100;

/** Where the expansion blew up: the first alias of an anchor whose own value holds aliases. */
function aliasBombAt(
  doc: Document,
  lines: LineCounter,
): { line: number; col: number; name: string } | undefined {
  let found: { line: number; col: number; name: string } | undefined;
  visit(doc, {
    Alias(_key, node) {
      const target = node.resolve(doc);
      let nested = false;
      if (target)
        visit(target as never, {
          Alias() {
            nested = true;
            return visit.BREAK;
          },
        });
      if (!nested || !node.range) return undefined;
      found = { ...lines.linePos(node.range[0]), name: node.source };
      return visit.BREAK;
    },
  });
  return found;
}

/** Keys that would walk into (or replace) an object prototype instead of holding config. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Mapping keys named like a prototype, anywhere in the document: zod rebuilds records with plain
 * assignment, where `__proto__` sets the prototype (`forges: { __proto__: ... }` would make every
 * name it holds look like a configured forge).
 */
function prototypeKeys(doc: Document, lines: LineCounter): { key: string; line: number; col: number }[] {
  const found: { key: string; line: number; col: number }[] = [];
  visit(doc, {
    Pair(_key, pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && FORBIDDEN_KEYS.has(key) && isScalar(pair.key) && pair.key.range)
        found.push({ key, ...lines.linePos(pair.key.range[0]) });
    },
  });
  return found;
}

/** Parse YAML text; a syntax error or an alias bomb names the file, line and column. */
export function parseYaml(text: string, source: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`invalid YAML in ${source}`, problems);
  }
  const reserved = prototypeKeys(doc, lines).map(
    (k) =>
      `${source}:${k.line}:${k.col}: "${k.key}" is not a config key (it would reach an object prototype)`,
  );
  if (reserved.length > 0) throw new ConfigError(`invalid config keys in ${source}`, reserved);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    // toJS raises a ReferenceError only for excessive aliasing.
    if (!(error instanceof ReferenceError)) throw error;
    const at = aliasBombAt(doc, lines);
    const where = at ? `${source}:${at.line}:${at.col}` : source;
    const problem = `${where}: aliases expand too far (more than ${MAX_ALIAS_COUNT} uses of an anchor${at ? `, *${at.name}` : ''}): a YAML alias bomb?`;
    throw new ConfigError(`invalid YAML in ${source}`, [problem]);
  }
}

/** `--set a.b[0].c=value`: the value is read as YAML, so numbers and booleans keep their type. */
export function applyOverrides(target: Record<string, unknown>, overrides: string[]): void {
  for (const override of overrides) {
    const eq = override.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${override}: expected path=value`);
    const path = override.slice(0, eq).trim();
    const raw = override.slice(eq + 1);
    const keys = path.match(/[^.[\]]+/g);
    if (!keys || /[^\w.[\]-]/.test(path)) throw new ConfigError(`--set ${override}: bad path "${path}"`);
    // These would walk into Object.prototype (or a constructor) instead of the config.
    const reserved = keys.find((k) => FORBIDDEN_KEYS.has(k));
    if (reserved) throw new ConfigError(`--set ${override}: "${reserved}" is not a config key`);
    const value = parseYaml(raw, `--set ${path}`);
    let node: Record<string, unknown> = target;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (next === undefined || next === null) node[key] = /^\d+$/.test(keys[i + 1]!) ? [] : {};
      else if (typeof next !== 'object')
        throw new ConfigError(`--set ${override}: "${key}" is not an object`);
      node = node[key] as Record<string, unknown>;
    });
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides applied to the raw document before validation (`jobs.x.key=value`). */
  overrides?: string[];
}

/** Validate a raw (already parsed) document: env interpolation, overrides, schema; every problem at once. */
export function validateConfig(
  raw: unknown,
  schema: z.ZodType,
  source: string,
  options: LoadOptions = {},
): Config {
  const env = options.env ?? process.env;
  const document = raw === null || raw === undefined ? {} : raw;
  if (typeof document !== 'object' || Array.isArray(document))
    throw new ConfigError(`${source}: the config must be a YAML mapping`, [
      `${source}: the config must be a YAML mapping`,
    ]);
  const { value, missing } = interpolateEnv(document, env);
  const problems = missing.map(
    (m) => `${m.path}: environment variable ${m.name} is not set (export it, or use \${${m.name}:-default})`,
  );
  if (options.overrides?.length) applyOverrides(value as Record<string, unknown>, options.overrides);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // A value emptied by a missing variable is already reported as such; don't also call it empty.
    const missingPaths = new Set(missing.map((m) => m.path));
    const issues = parsed.error.issues.filter(
      (i) => !missingPaths.has(formatPath(i.path as (string | number)[])),
    );
    problems.push(...formatIssues(issues, schema, value));
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration`,
      problems,
    );
  }
  registerConfigSecrets(parsed.data);
  return parsed.data as Config;
}

export async function loadConfig(
  path: string,
  schema: z.ZodType,
  options: LoadOptions = {},
): Promise<Config> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_CONFIG_BYTES)
      throw new ConfigError(`config ${path} is too large`, [
        `${path}: ${size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for a config file (is this the right file?)`,
      ]);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new ConfigError(`cannot read config ${path}: ${why}`, [
      `${path}: ${why} (pass --config <file> or set RELEASE_BOT_CONFIG)`,
    ]);
  }
  return validateConfig(parseYaml(text, path), schema, path, options);
}
