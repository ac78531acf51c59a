/**
 * The scenario JSON Schema as a file (`scenario.schema.json` at the repository root, for editors: YAML
 * files point at it with `# yaml-language-server: $schema=…`), and a small validator for the subset of
 * JSON Schema the generator emits, so tests can check fixtures against the generated file itself.
 */
import type { JsonSchema } from '@gwsim/common';
import { scenarioJsonSchema } from './scenario-schema.ts';

export const SCENARIO_SCHEMA_FILE = new URL('../../scenario.schema.json', import.meta.url);

/** The file's exact text (stable key order, two-space indent, final newline). */
export function renderScenarioJsonSchema(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

export interface SchemaViolation {
  /** `topology.nodes[0].sipPort`, '' for the root. */
  path: string;
  message: string;
}

const KNOWN = new Set(['$schema', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'items', 'maxItems', 'enum', 'const', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'oneOf']);

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function typeOk(type: unknown, v: unknown): boolean {
  switch (type) {
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    default: return true;
  }
}

/**
 * Check `value` against a schema using the keywords the generator emits (type, properties, required,
 * additionalProperties: false, items, maxItems, enum, const, bounds, lengths, pattern, oneOf). A keyword
 * outside that set is reported, so the validator cannot silently ignore what it does not understand.
 */
export function validateAgainst(schema: JsonSchema, value: unknown, path = ''): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) out.push({ path, message: `validator does not know keyword "${k}"` });
  if (schema.type !== undefined && !typeOk(schema.type, value)) return [...out, { path, message: `must be of type ${String(schema.type)}` }];
  if (schema.const !== undefined && value !== schema.const) out.push({ path, message: `must be ${JSON.stringify(schema.const)}` });
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push({ path, message: `must be one of ${schema.enum.join(', ')}` });
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) out.push({ path, message: `must be ≥ ${schema.minimum}` });
    if (typeof schema.maximum === 'number' && value > schema.maximum) out.push({ path, message: `must be ≤ ${schema.maximum}` });
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) out.push({ path, message: `must have at least ${schema.minLength} characters` });
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) out.push({ path, message: `must have at most ${schema.maxLength} characters` });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) out.push({ path, message: `must match ${schema.pattern}` });
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) out.push({ path, message: `must have at most ${schema.maxItems} items` });
    if (schema.items) value.forEach((v, i) => out.push(...validateAgainst(schema.items as JsonSchema, v, join(path, i))));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) out.push({ path: join(path, r), message: 'is required' });
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) out.push(...validateAgainst(props[k], v, join(path, k)));
      else if (schema.additionalProperties === false) out.push({ path: join(path, k), message: 'is not an allowed field' });
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as JsonSchema[]).filter((s) => validateAgainst(s, value, path).length === 0);
    if (matching.length !== 1) out.push({ path, message: `must match exactly one variant (matched ${matching.length})` });
  }
  return out;
}
