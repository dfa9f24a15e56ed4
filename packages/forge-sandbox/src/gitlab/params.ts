import type { SimRequest } from '../core/server.js';
import { invalidValue, missing } from './errors.js';

/**
 * Grape merges query, form and JSON body parameters; so do these readers. gitbeaker sends
 * JSON bodies for writes and bracketed query strings (`scope[]=a`) for reads.
 */

export function param(req: SimRequest, name: string): unknown {
  if (req.body[name] !== undefined) return req.body[name];
  const all = req.query.getAll(`${name}[]`);
  if (all.length > 0) return all;
  const value = req.query.get(name);
  return value === null ? undefined : value;
}

export function str(req: SimRequest, name: string): string | undefined {
  const value = param(req, name);
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

export function required(req: SimRequest, ...names: string[]): string[] {
  const absent = names.filter((n) => {
    const v = param(req, n);
    return v === undefined || v === null || v === '';
  });
  if (absent.length > 0) throw missing(...absent);
  return names.map((n) => str(req, n)!);
}

export function int(req: SimRequest, name: string): number | undefined {
  const value = str(req, name);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw invalidValue(name);
  return n;
}

export function bool(req: SimRequest, name: string): boolean | undefined {
  const value = param(req, name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const s = String(value).toLowerCase();
  if (['true', '1', 'yes', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'f'].includes(s)) return false;
  throw invalidValue(name);
}

/** Arrays arrive as JSON arrays, `name[]=` repeats, or comma-separated strings (labels). */
export function list(req: SimRequest, name: string): string[] | undefined {
  const value = param(req, name);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

export function intList(req: SimRequest, name: string): number[] | undefined {
  const items = list(req, name);
  if (!items) return undefined;
  const numbers = items.map(Number);
  if (numbers.some((n) => !Number.isInteger(n))) throw invalidValue(name);
  return numbers;
}

export function oneOf<T extends string>(req: SimRequest, name: string, values: readonly T[]): T | undefined {
  const value = str(req, name);
  if (value === undefined) return undefined;
  if (!values.includes(value as T)) throw invalidValue(name);
  return value as T;
}

export function date(req: SimRequest, name: string): number | undefined {
  const value = str(req, name);
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidValue(name);
  return ms;
}
