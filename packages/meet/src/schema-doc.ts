/**
 * The common schema builders, remembered: `object`, `tagged` and `array` schemas built here are the same
 * validators (same types, same errors), and `describeFields` can walk them to list every field with what it
 * allows. API.md is generated from this walk, so the reference and the validation cannot drift apart.
 */
import { array as plainArray, object as plainObject, tagged as plainTagged, type OptionalField, type Schema } from '@gwsim/common';

type Shape = Parameters<typeof plainObject>[0];

type Structure =
  | { readonly kind: 'object'; readonly shape: Shape }
  | { readonly kind: 'tagged'; readonly tag: string; readonly variants: Readonly<Record<string, Schema<object>>> }
  | { readonly kind: 'array'; readonly item: Schema<unknown>; readonly max: number };

const structures = new WeakMap<object, Structure>();

export function object<S extends Shape>(shape: S): ReturnType<typeof plainObject<S>> {
  const schema = plainObject(shape);
  structures.set(schema, { kind: 'object', shape });
  return schema;
}

export function tagged<const K extends string, M extends Record<string, Schema<object>>>(tag: K, variants: M): ReturnType<typeof plainTagged<K, M>> {
  const schema = plainTagged(tag, variants);
  structures.set(schema, { kind: 'tagged', tag, variants });
  return schema;
}

export function array<T>(item: Schema<T>, options: { max?: number } = {}): Schema<readonly T[]> {
  const schema = plainArray(item, options);
  structures.set(schema, { kind: 'array', item, max: options.max ?? 1000 });
  return schema;
}

/** One documented field: `users[].orgUnit`, whether it must be given, what it allows. */
export interface FieldDoc {
  readonly path: string;
  readonly required: boolean;
  readonly allowed: string;
}

const isOptional = (field: Schema<unknown> | OptionalField<unknown>): field is OptionalField<unknown> => 'optional' in field;

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Every field of a body schema, depth first. Objects list their fields; arrays of objects list the item's
 * fields under `name[]`; tagged unions list the tag (with its values) and each variant's fields, noting
 * which tag values they belong to.
 */
export function describeFields(schema: Schema<unknown>, path = '', required = true): FieldDoc[] {
  const structure = structures.get(schema);
  const self = (allowed: string): FieldDoc[] => (path ? [{ path, required, allowed }] : []);
  if (!structure) return self(schema.expects);
  if (structure.kind === 'array') {
    const inner = describeFields(structure.item, `${path}[]`, true).filter((d) => d.path !== `${path}[]`);
    const innerIsObject = structures.get(structure.item)?.kind !== undefined && structures.get(structure.item)?.kind !== 'array';
    return [...self(innerIsObject ? `an array of at most ${structure.max} objects` : schema.expects), ...(innerIsObject ? inner : [])];
  }
  if (structure.kind === 'object') {
    const keys = Object.keys(structure.shape);
    const out = self(keys.length ? 'an object' : 'an empty object `{}`');
    for (const key of keys) {
      const field = structure.shape[key]!;
      const inner = isOptional(field) ? field.schema : field;
      out.push(...describeFields(inner, join(path, key), !isOptional(field)));
    }
    return out;
  }
  const names = Object.keys(structure.variants);
  const out = self('an object, one of the variants below');
  out.push({ path: join(path, structure.tag), required: true, allowed: names.map((n) => `'${n}'`).join(', ') });
  const seen = new Map<string, { doc: FieldDoc; tags: string[] }>();
  for (const name of names) {
    for (const doc of describeFields(structure.variants[name]!, path, true).filter((d) => d.path !== path)) {
      const entry = seen.get(doc.path + '\0' + doc.allowed);
      if (entry) entry.tags.push(name);
      else seen.set(doc.path + '\0' + doc.allowed, { doc, tags: [name] });
    }
  }
  for (const { doc, tags } of seen.values()) {
    out.push({ ...doc, allowed: `${doc.allowed} (when ${structure.tag} is ${tags.map((t) => `'${t}'`).join(' or ')})` });
  }
  return out;
}
