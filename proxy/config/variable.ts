/**
 * One environment variable: how its text becomes a value, the JSON schema that value must satisfy, its default.
 *
 * Parsing turns text into a candidate of the right JSON type (or says why it cannot); the schema then states the
 * constraints (range, allowed values, URL, CIDR). Keeping the constraints as JSON schema means one validator (ajv)
 * produces every message, and the table in `variables.ts` reads as documentation.
 */
import type { SchemaObject } from 'ajv';

export interface Variable<T> {
  readonly env: string;
  /** Text → candidate value; throws an Error whose message says what was expected. */
  readonly parse: (raw: string) => unknown;
  /** Constraints on the parsed value. */
  readonly schema: SchemaObject;
  /** Used when the variable is unset or empty. */
  readonly default: T;
  /** Never echo the value in errors (URLs with passwords, tokens). */
  readonly secret: boolean;
}

/** The value type a table entry produces. */
export type ValueOf<V> = V extends Variable<infer T> ? T : never;

interface Range {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function parseInteger(raw: string): number {
  if (!INTEGER.test(raw)) throw new Error('must be an integer');
  return Number(raw);
}

function parseNumber(raw: string): number {
  if (!DECIMAL.test(raw)) throw new Error('must be a number');
  return Number(raw);
}

/** Accepts true/false/1/0 (any case): the forms Kubernetes manifests and shells produce. */
function parseBoolean(raw: string): boolean {
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new Error('must be true, false, 1 or 0');
}

/** Comma-separated; blanks around items and empty items are dropped. */
function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const identity = (raw: string): string => raw;

export function integer(env: string, fallback: number, range: Range = {}): Variable<number> {
  return { env, parse: parseInteger, schema: { type: 'integer', ...range }, default: fallback, secret: false };
}

export function number(env: string, fallback: number, range: Range = {}): Variable<number> {
  return { env, parse: parseNumber, schema: { type: 'number', ...range }, default: fallback, secret: false };
}

export function optionalNumber(env: string, range: Range = {}): Variable<number | null> {
  return { env, parse: parseNumber, schema: { type: 'number', ...range }, default: null, secret: false };
}

export function boolean(env: string, fallback: boolean): Variable<boolean> {
  return { env, parse: parseBoolean, schema: { type: 'boolean' }, default: fallback, secret: false };
}

export function text(env: string, fallback: string): Variable<string> {
  return { env, parse: identity, schema: { type: 'string', minLength: 1 }, default: fallback, secret: false };
}

export function optionalText(env: string, options: { secret?: boolean } = {}): Variable<string | null> {
  return { env, parse: identity, schema: { type: 'string', minLength: 1 }, default: null, secret: options.secret ?? false };
}

export function oneOf<const T extends string>(env: string, values: readonly T[], fallback: NoInfer<T>): Variable<T> {
  return { env, parse: identity, schema: { type: 'string', enum: [...values] }, default: fallback, secret: false };
}

export function url(env: string, fallback: string): Variable<string> {
  return { env, parse: identity, schema: { type: 'string', format: 'http-url' }, default: fallback, secret: false };
}

export function optionalUrl(env: string): Variable<string | null> {
  return { env, parse: identity, schema: { type: 'string', format: 'http-url' }, default: null, secret: false };
}

export function list(env: string, fallback: readonly string[], item: SchemaObject = { type: 'string' }): Variable<readonly string[]> {
  return { env, parse: parseList, schema: { type: 'array', items: item }, default: fallback, secret: false };
}

export function cidrList(env: string, fallback: readonly string[]): Variable<readonly string[]> {
  return list(env, fallback, { type: 'string', format: 'cidr' });
}
