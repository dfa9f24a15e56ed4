/**
 * Just enough GraphQL to read the arguments of the few fields the simulator answers: argument
 * lists with literals (strings, numbers, booleans, null, enums, lists, objects) and `$variables`.
 */

export type GqlValue = string | number | boolean | null | GqlValue[] | { [key: string]: GqlValue };

export class GqlSyntaxError extends Error {}

export function parseArguments(
  source: string,
  start: number,
  variables: Record<string, unknown>,
): Record<string, GqlValue> {
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
  const args: Record<string, GqlValue> = {};
  expect('(');
  ws();
  while (source[i] !== ')') {
    if (i >= source.length) throw new GqlSyntaxError('Unterminated argument list');
    const key = name();
    expect(':');
    args[key] = value();
    ws();
  }
  return args;
}

/** Position of `field(` (after an optional alias) in the operation, or -1. */
export function findField(
  source: string,
  field: string,
): { args: number; line: number; column: number } | null {
  const m = new RegExp(`\\b${field}\\s*\\(`).exec(source);
  if (!m) return null;
  const before = source.slice(0, m.index);
  const line = before.split('\n').length;
  const column = m.index - before.lastIndexOf('\n');
  return { args: m.index + m[0].length - 1, line, column };
}
