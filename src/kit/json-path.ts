/**
 * The value at a dot path ("build.version") inside a parsed JSON body, or undefined when any step
 * is missing or not an object. Only the body's own keys count: a path such as "constructor" must
 * not find something the service never sent.
 */
export function valueAtPath(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
