/**
 * A small schema validator for API bodies and service inputs: parses `unknown` into frozen, typed values
 * and throws a ConfigError naming the field path (`interop.scope.orgUnits[1]`) and what is allowed.
 * Unknown object fields are rejected, so a typo never silently does nothing. Every builder also describes
 * itself as JSON Schema (draft 2020-12, `toJsonSchema`) for editor completion of files it validates.
 */
import { ConfigError } from '@gwsim/common';

/** A JSON Schema (draft 2020-12) fragment: plain JSON data. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Schema<T> {
  /** What the schema accepts, in words ("a string of 1-256 characters"). */
  readonly expects: string;
  parse(value: unknown, path: string): T;
  /** The same constraints as JSON Schema, where they can be said there (set by the builders below). */
  readonly json?: JsonSchema;
}

/** Marks an object field as optional (absent is allowed; `null` is not). */
export interface OptionalField<T> {
  readonly optional: true;
  readonly schema: Schema<T>;
}

type Field = Schema<unknown> | OptionalField<unknown>;
type Shape = Record<string, Field>;
type FieldType<F> = F extends OptionalField<infer T> ? T : F extends Schema<infer T> ? T : never;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type Infer<S> = S extends Schema<infer T> ? T : never;
export type ObjectOf<S extends Shape> = Simplify<
  { readonly [K in RequiredKeys<S>]: FieldType<S[K]> } & { readonly [K in OptionalKeys<S>]?: FieldType<S[K]> }
>;

/** `a.b`, `a[2]`, or just `b` at the root. */
export function fieldPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

function fail(path: string, expects: string, value: unknown): never {
  throw new ConfigError(path, `must be ${expects}, got ${describe(value)}`);
}

export interface StringOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Words for the pattern, used in error messages ("13 digits"). */
  hint?: string;
  /** Extra check; returns a complaint or undefined. */
  check?: (value: string) => string | undefined;
}

export function string(options: StringOptions = {}): Schema<string> {
  const min = options.min ?? 0;
  const max = options.max ?? 1024;
  const expects = options.hint ?? `a string of ${min}-${max} characters`;
  const pattern = options.pattern && jsonPattern(options.pattern);
  const json: JsonSchema = {
    type: 'string',
    ...(min > 0 ? { minLength: min } : {}),
    maxLength: max,
    ...(pattern ? { pattern } : {}),
    ...(options.hint ? { description: options.hint } : {}),
  };
  return {
    expects,
    json,
    parse(value, path) {
      if (typeof value !== 'string') fail(path, expects, value);
      if (value.length < min || value.length > max) fail(path, expects, value);
      if (options.pattern && !options.pattern.test(value)) fail(path, expects, value);
      const complaint = options.check?.(value);
      if (complaint) throw new ConfigError(path, complaint);
      return value;
    },
  };
}

export function integer(options: { min?: number; max?: number } = {}): Schema<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const expects = `an integer from ${min} to ${max}`;
  const json: JsonSchema = {
    type: 'integer',
    ...(min !== Number.MIN_SAFE_INTEGER ? { minimum: min } : {}),
    ...(max !== Number.MAX_SAFE_INTEGER ? { maximum: max } : {}),
  };
  return {
    expects,
    json,
    parse(value, path) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(path, expects, value);
      return value;
    },
  };
}

/** A finite number (fractions allowed), e.g. a rate in calls per second. */
export function number(options: { min?: number; max?: number } = {}): Schema<number> {
  const min = options.min ?? -Number.MAX_VALUE;
  const max = options.max ?? Number.MAX_VALUE;
  const expects = options.min !== undefined || options.max !== undefined ? `a number from ${min} to ${max}` : 'a number';
  const json: JsonSchema = { type: 'number', ...(options.min !== undefined ? { minimum: min } : {}), ...(options.max !== undefined ? { maximum: max } : {}) };
  return {
    expects,
    json,
    parse(value, path) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(path, expects, value);
      return value;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    expects: 'true or false',
    json: { type: 'boolean' },
    parse(value, path) {
      if (typeof value !== 'boolean') fail(path, 'true or false', value);
      return value;
    },
  };
}

export function oneOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  const expects = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  return {
    expects,
    json: { type: 'string', enum: [...values] },
    parse(value, path) {
      if (typeof value !== 'string' || !values.includes(value)) fail(path, expects, value);
      return value as V[number];
    },
  };
}

export function array<T>(item: Schema<T>, options: { max?: number } = {}): Schema<readonly T[]> {
  const max = options.max ?? 1000;
  const expects = `an array of at most ${max} items, each ${item.expects}`;
  return {
    expects,
    json: { type: 'array', items: toJsonSchema(item), maxItems: max },
    parse(value, path) {
      if (!Array.isArray(value)) fail(path, expects, value);
      if (value.length > max) throw new ConfigError(path, `must have at most ${max} items, got ${value.length}`);
      return Object.freeze(value.map((v, i) => item.parse(v, fieldPath(path, i))));
    },
  };
}

export function optional<T>(schema: Schema<T>): OptionalField<T> {
  return { optional: true, schema };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  const expects = 'an object';
  const properties: Record<string, JsonSchema> = {};
  for (const key of keys) {
    const field = shape[key]!;
    properties[key] = toJsonSchema('optional' in field ? field.schema : field);
  }
  const required = keys.filter((k) => !('optional' in shape[k]!));
  const json: JsonSchema = { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
  return {
    expects,
    json,
    parse(value, path) {
      if (!isPlainObject(value)) fail(path, expects, value);
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) {
          const allowed = keys.length ? `allowed fields: ${keys.join(', ')}` : 'no fields are allowed';
          throw new ConfigError(fieldPath(path, key), `unknown field (${allowed})`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const field = shape[key]!;
        const present = Object.hasOwn(value, key) && value[key] !== undefined;
        if ('optional' in field) {
          if (present) out[key] = field.schema.parse(value[key], fieldPath(path, key));
        } else {
          if (!present) throw new ConfigError(fieldPath(path, key), `is required (${field.expects})`);
          out[key] = field.parse(value[key], fieldPath(path, key));
        }
      }
      return Object.freeze(out) as ObjectOf<S>;
    },
  };
}

/**
 * A union discriminated by `tag` (`{ kind: 'admit', afterMs: 10 }`). Each variant is an object schema
 * for the remaining fields.
 */
export function tagged<const K extends string, M extends Record<string, Schema<object>>>(
  tag: K,
  variants: M,
): Schema<{ [V in keyof M]: Simplify<{ readonly [P in K]: V } & Infer<M[V]>> }[keyof M]> {
  const names = Object.keys(variants);
  const tagSchema = oneOf(names);
  const expects = `an object with ${tag} ${tagSchema.expects}`;
  const json: JsonSchema = {
    type: 'object',
    required: [tag],
    properties: { [tag]: tagSchema.json },
    oneOf: names.map((name) => withTag(tag, name, toJsonSchema(variants[name]!))),
  };
  return {
    expects,
    json,
    parse(value, path) {
      if (!isPlainObject(value)) fail(path, expects, value);
      if (!Object.hasOwn(value, tag)) throw new ConfigError(fieldPath(path, tag), `is required (${tagSchema.expects})`);
      const name = tagSchema.parse(value[tag], fieldPath(path, tag));
      const rest: Record<string, unknown> = { ...value };
      delete rest[tag];
      const parsed = variants[name]!.parse(rest, path);
      return Object.freeze({ [tag]: name, ...parsed }) as never;
    },
  };
}

/** Parse a whole value at the root; throws ConfigError with the field path. */
export function parse<T>(schema: Schema<T>, value: unknown): T {
  return schema.parse(value, '');
}

/** A schema as JSON Schema: its own description when it has one, else a permissive fragment naming what it expects. */
export function toJsonSchema(schema: Schema<unknown>): JsonSchema {
  return schema.json ?? { description: schema.expects };
}

/** The same schema with a JSON Schema description (shown by editors on hover and completion). */
export function documented<T>(schema: Schema<T>, description: string): Schema<T> {
  return { expects: schema.expects, parse: (value, path) => schema.parse(value, path), json: { ...toJsonSchema(schema), description } };
}

/** The same schema with a JSON Schema of your own (for hand-written schemas the builders cannot describe). */
export function withJsonSchema<T>(schema: Schema<T>, json: JsonSchema): Schema<T> {
  return { expects: schema.expects, parse: (value, path) => schema.parse(value, path), json };
}

/** A tagged variant: its object schema with the tag added as a constant (the variant's own fields stay closed). */
function withTag(tag: string, name: string, variant: JsonSchema): JsonSchema {
  if (variant.type !== 'object' || typeof variant.properties !== 'object') return { properties: { [tag]: { const: name } }, required: [tag] };
  const required = Array.isArray(variant.required) ? (variant.required as string[]) : [];
  return { ...variant, properties: { [tag]: { const: name }, ...(variant.properties as object) }, required: [tag, ...required] };
}

/**
 * A JavaScript RegExp as a JSON Schema `pattern` (ECMA-262 syntax, but no flags): `i` is spelled out as
 * both cases (`[a-z]` → `[a-zA-Z]`, `x` → `[xX]`); a regex using other flags or escapes this cannot rewrite
 * safely gets no pattern (its description still says what is allowed).
 */
export function jsonPattern(re: RegExp): string | undefined {
  const flags = re.flags.replace('u', '');
  if (flags === '') return re.source;
  if (flags !== 'i' || /\\[uxpPck]|\(\?</.test(re.source)) return undefined;
  const src = re.source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') {
        inClass = false;
        out += c;
      } else if (src[i + 1] === '-' && src[i + 2] !== undefined && src[i + 2] !== ']') {
        const to = src[i + 2]!;
        out += `${c}-${to}`;
        if (/[a-z]/.test(c) && /[a-z]/.test(to)) out += `${c.toUpperCase()}-${to.toUpperCase()}`;
        else if (/[A-Z]/.test(c) && /[A-Z]/.test(to)) out += `${c.toLowerCase()}-${to.toLowerCase()}`;
        i += 2;
      } else out += /[a-z]/i.test(c) ? c.toLowerCase() + c.toUpperCase() : c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
    } else if (/[a-z]/i.test(c)) out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    else out += c;
  }
  return out;
}
