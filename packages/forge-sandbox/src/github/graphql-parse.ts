/**
 * Just enough GraphQL for the few fields the simulator answers: one operation (query or
 * mutation, variable definitions skipped), its selection sets with fields, aliases, arguments
 * (literals and `$variables`) and inline fragments, and an executor that answers exactly the
 * fields selected. Named fragments and directives are refused as not simulated.
 */

export type GqlValue = string | number | boolean | null | GqlValue[] | { [key: string]: GqlValue };

export class GqlSyntaxError extends Error {}

function reader(source: string, start: number, variables: Record<string, unknown>) {
  let i = start;
  const ws = () => {
    while (i < source.length && /[\s,]/.test(source[i]!)) i++;
    if (source[i] === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      ws();
    }
  };
  const name = (): string => {
    ws();
    const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i));
    if (!m) throw new GqlSyntaxError(`Expected a name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const expect = (ch: string) => {
    ws();
    if (source[i] !== ch) throw new GqlSyntaxError(`Expected '${ch}' at ${i}`);
    i++;
  };
  const value = (): GqlValue => {
    ws();
    const ch = source[i];
    if (ch === '$') {
      i++;
      return (variables[name()] ?? null) as GqlValue;
    }
    if (ch === '"') {
      let out = '';
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '\\') {
          const next = source[i + 1];
          if (next === 'u') {
            out += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          out += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
          i += 2;
          continue;
        }
        out += source[i++];
      }
      i++;
      return out;
    }
    if (ch === '[') {
      i++;
      const list: GqlValue[] = [];
      ws();
      while (source[i] !== ']') {
        list.push(value());
        ws();
      }
      i++;
      return list;
    }
    if (ch === '{') {
      i++;
      const obj: Record<string, GqlValue> = {};
      ws();
      while (source[i] !== '}') {
        const key = name();
        expect(':');
        obj[key] = value();
        ws();
      }
      i++;
      return obj;
    }
    const num = /^-?\d+(\.\d+)?/.exec(source.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    const word = name();
    return word === 'true' ? true : word === 'false' ? false : word === 'null' ? null : word;
  };
  const args = (): Record<string, GqlValue> => {
    const out: Record<string, GqlValue> = {};
    expect('(');
    ws();
    while (source[i] !== ')') {
      if (i >= source.length) throw new GqlSyntaxError('Unterminated argument list');
      const key = name();
      expect(':');
      out[key] = value();
      ws();
    }
    i++;
    return out;
  };
  const peek = (): string | undefined => {
    ws();
    return source[i];
  };
  const at = (): { line: number; column: number } => {
    const before = source.slice(0, i);
    return { line: before.split('\n').length, column: i - before.lastIndexOf('\n') };
  };
  /** Skip a parenthesised list (variable definitions), strings included. */
  const skipParens = () => {
    expect('(');
    let depth = 1;
    while (depth > 0) {
      if (i >= source.length) throw new GqlSyntaxError('Unterminated variable definitions');
      const ch = source[i++];
      if (ch === '"') {
        while (i < source.length && source[i] !== '"') i += source[i] === '\\' ? 2 : 1;
        i++;
      } else if (ch === '(') depth++;
      else if (ch === ')') depth--;
    }
  };
  return {
    name,
    expect,
    args,
    peek,
    at,
    skipParens,
  };
}

export interface GqlField {
  kind: 'field';
  name: string;
  /** The key in the answer: the alias, else the name. */
  key: string;
  args: Record<string, GqlValue>;
  /** Empty for a leaf. */
  selections: GqlSelection[];
  line: number;
  column: number;
}

export interface GqlInlineFragment {
  kind: 'fragment';
  on: string;
  selections: GqlSelection[];
}

export type GqlSelection = GqlField | GqlInlineFragment;

export interface GqlOperation {
  type: 'query' | 'mutation' | 'subscription';
  selections: GqlSelection[];
}

/** The document's one operation, `$variables` substituted into the arguments. */
export function parseOperation(source: string, variables: Record<string, unknown>): GqlOperation {
  const r = reader(source, 0, variables);
  let type: GqlOperation['type'] = 'query';
  if (r.peek() !== '{') {
    const word = r.name();
    if (word !== 'query' && word !== 'mutation' && word !== 'subscription')
      throw new GqlSyntaxError(`Unexpected '${word}' (only one operation is simulated)`);
    type = word;
    if (r.peek() !== '(' && r.peek() !== '{') r.name();
    if (r.peek() === '(') r.skipParens();
  }
  const selectionSet = (): GqlSelection[] => {
    r.expect('{');
    const out: GqlSelection[] = [];
    while (r.peek() !== '}') {
      if (r.peek() === undefined) throw new GqlSyntaxError('Unterminated selection set');
      if (r.peek() === '.') {
        r.expect('.');
        r.expect('.');
        r.expect('.');
        if (r.name() !== 'on') throw new GqlSyntaxError('Named fragments are not simulated');
        const on = r.name();
        out.push({ kind: 'fragment', on, selections: selectionSet() });
        continue;
      }
      const { line, column } = r.at();
      const key = r.name();
      let name = key;
      if (r.peek() === ':') {
        r.expect(':');
        name = r.name();
      }
      const args = r.peek() === '(' ? r.args() : {};
      if (r.peek() === '@') throw new GqlSyntaxError('Directives are not simulated');
      const selections = r.peek() === '{' ? selectionSet() : [];
      out.push({ kind: 'field', name, key, args, selections, line, column });
    }
    r.expect('}');
    return out;
  };
  const selections = selectionSet();
  if (r.peek() !== undefined) throw new GqlSyntaxError('Only one operation is simulated');
  return { type, selections };
}

/** A field's value: a scalar, an object, a list, or a promise of one. */
export type GqlResolver = (args: Record<string, GqlValue>) => unknown;

/** An object of the schema: its type name and the fields the simulator answers. */
export interface GqlObject {
  __typename: string;
  fields: Record<string, GqlResolver>;
}

export function gqlObject(type: string, fields: Record<string, GqlResolver>): GqlObject {
  return { __typename: type, fields };
}

/** A plain record as an object whose fields are its properties (nested records typed by `types`). */
export function plainObject(
  type: string,
  value: Record<string, unknown>,
  types: Record<string, string> = {},
): GqlObject {
  const fields: Record<string, GqlResolver> = {};
  for (const [key, v] of Object.entries(value))
    fields[key] = () =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? plainObject(types[key] ?? key, v as Record<string, unknown>, types)
        : v;
  return gqlObject(type, fields);
}

/** A field the resolver refuses: the field answers null and the error names its path. */
export class GqlFieldError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** A selection the schema (as simulated) does not have: the whole request fails, as on GitHub. */
export class GqlValidationError extends Error {
  constructor(
    message: string,
    readonly path: string[],
    readonly line: number,
    readonly column: number,
    readonly extensions: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface GqlError {
  type?: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  message: string;
  extensions?: Record<string, unknown>;
}

function isObject(value: unknown): value is GqlObject {
  return Boolean(value && typeof value === 'object' && 'fields' in value && '__typename' in value);
}

/**
 * Answer `selections` on `object`: only the fields selected, inline fragments applied when the
 * type matches. A resolver's GqlFieldError nulls its field and is added to `errors`.
 */
export async function execute(
  object: GqlObject,
  selections: GqlSelection[],
  errors: GqlError[],
  path: (string | number)[] = [],
  docPath: string[] = [],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const selection of selections) {
    if (selection.kind === 'fragment') {
      if (selection.on === object.__typename)
        Object.assign(out, await execute(object, selection.selections, errors, path, docPath));
      continue;
    }
    const fieldDoc = [...docPath, selection.name];
    if (selection.name === '__typename') {
      out[selection.key] = object.__typename;
      continue;
    }
    const resolver = object.fields[selection.name];
    if (!resolver)
      throw new GqlValidationError(
        `Field '${selection.name}' doesn't exist on type '${object.__typename}' (not simulated)`,
        fieldDoc,
        selection.line,
        selection.column,
        { code: 'undefinedField', typeName: object.__typename, fieldName: selection.name },
      );
    const fieldPath = [...path, selection.key];
    try {
      out[selection.key] = await complete(
        await resolver(selection.args),
        selection,
        errors,
        fieldPath,
        fieldDoc,
      );
    } catch (error) {
      if (!(error instanceof GqlFieldError)) throw error;
      out[selection.key] = null;
      errors.push({
        type: error.type,
        path: fieldPath,
        locations: [{ line: selection.line, column: selection.column }],
        message: error.message,
      });
    }
  }
  return out;
}

async function complete(
  value: unknown,
  field: GqlField,
  errors: GqlError[],
  path: (string | number)[],
  docPath: string[],
): Promise<unknown> {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const [n, item] of value.entries())
      items.push(await complete(await item, field, errors, [...path, n], docPath));
    return items;
  }
  if (isObject(value)) {
    if (field.selections.length === 0)
      throw new GqlValidationError(
        `Field must have selections (field '${field.name}' returns ${value.__typename} but has no selections. Did you mean '${field.name} { ... }'?)`,
        docPath,
        field.line,
        field.column,
        { code: 'selectionMismatch', nodeName: `field '${field.name}'`, typeName: value.__typename },
      );
    return execute(value, field.selections, errors, path, docPath);
  }
  if (field.selections.length > 0)
    throw new GqlValidationError(
      `Selections can't be made on scalars (field '${field.name}' returns a scalar)`,
      docPath,
      field.line,
      field.column,
      { code: 'selectionMismatch', nodeName: `field '${field.name}'` },
    );
  return value;
}
