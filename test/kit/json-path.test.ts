import { describe, expect, it } from 'vitest';
import { valueAtPath } from '../../src/kit/json-path.js';

describe('valueAtPath', () => {
  it('walks a dot path through nested objects and arrays by index', () => {
    const body = JSON.parse('{"build":{"version":"1.2.3","tags":["a","b"]}}') as unknown;
    expect(valueAtPath(body, 'build.version')).toBe('1.2.3');
    expect(valueAtPath(body, 'build.tags.1')).toBe('b');
    expect(valueAtPath(body, 'build')).toEqual({ version: '1.2.3', tags: ['a', 'b'] });
  });

  it('is undefined when a step is missing or not an object', () => {
    const body = JSON.parse('{"build":{"version":"1.2.3"},"n":0,"s":""}') as unknown;
    expect(valueAtPath(body, 'build.commit')).toBeUndefined();
    expect(valueAtPath(body, 'build.version.major')).toBeUndefined();
    expect(valueAtPath(body, 'n.x')).toBeUndefined();
    expect(valueAtPath(null, 'build')).toBeUndefined();
    expect(valueAtPath('plain text', 'length')).toBeUndefined();
  });

  it('finds only what the service sent, never an inherited member', () => {
    const body = JSON.parse('{"build":{}}') as unknown;
    expect(valueAtPath(body, 'constructor')).toBeUndefined();
    expect(valueAtPath(body, 'build.toString')).toBeUndefined();
    expect(valueAtPath(JSON.parse('{"__proto__":{"v":"1"}}'), '__proto__.v')).toBe('1');
  });
});
