/**
 * Validate a routing config once, at the edge: unknown input in, a frozen typed RoutingConfig with compiled
 * regexes out. Every failure is a ConfigError whose path names the item and field
 * (`rules[1](name="untrusted").match_string`) and whose message says what is allowed.
 */
import { ConfigError } from '@gwsim/common';
import { parseAlias } from './alias.ts';
import {
  CALL_TYPES,
  CALLED_DEVICE_TYPES,
  LIMITS,
  RULE_DEFAULTS,
  VIRTUAL_RECEPTION_DEFAULTS,
  type CallRoutingRule,
  type GmsAccessToken,
  type RoutingConfig,
  type RoutingRule,
  type RoutingVirtualReception,
  type VirtualReception,
} from './config.ts';
import { compilePattern, compileTemplate, RegexSyntaxError, type CompiledPattern, type ReplaceTemplate } from './python-regex.ts';
import { didYouMean } from './suggest.ts';

type Spec =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number; nullable?: boolean }
  | { kind: 'string'; max: number; nonEmpty?: boolean; nullable?: boolean }
  | { kind: 'enum'; values: readonly string[] };

const bool: Spec = { kind: 'bool' };
const text = (max: number, extra: { nonEmpty?: boolean; nullable?: boolean } = {}): Spec => ({ kind: 'string', max, ...extra });
const name: Spec = text(LIMITS.text, { nonEmpty: true });
const optionalName: Spec = text(LIMITS.text, { nonEmpty: true, nullable: true });
const callrate: Spec = { kind: 'int', min: LIMITS.callrateMin, max: LIMITS.callrateMax, nullable: true };

const TOKEN_FIELDS: Record<keyof GmsAccessToken, Spec> = {
  name: text(LIMITS.tokenName, { nonEmpty: true }),
  token: text(LIMITS.tokenSecret, { nonEmpty: true }),
};

const RULE_FIELDS: Record<keyof CallRoutingRule, Spec> = {
  priority: { kind: 'int', min: LIMITS.priorityMin, max: LIMITS.priorityMax },
  enable: bool,
  name,
  description: text(LIMITS.text),
  match_incoming_calls: bool,
  match_incoming_sip: bool,
  match_incoming_h323: bool,
  match_incoming_mssip: bool,
  match_incoming_webrtc: bool,
  match_incoming_only_if_registered: bool,
  match_source_location: optionalName,
  match_string: text(LIMITS.text, { nonEmpty: true }),
  match_string_full: bool,
  replace_string: text(LIMITS.text),
  called_device_type: { kind: 'enum', values: CALLED_DEVICE_TYPES },
  outgoing_location: optionalName,
  gms_access_token: text(LIMITS.tokenName, { nonEmpty: true, nullable: true }),
  treat_as_trusted: bool,
  call_type: { kind: 'enum', values: CALL_TYPES },
  max_callrate_in: callrate,
  max_callrate_out: callrate,
};

const VR_FIELDS: Record<keyof VirtualReception, Spec> = {
  name,
  alias: name,
  gms_access_token: text(LIMITS.tokenName, { nonEmpty: true, nullable: true }),
  match_string: text(LIMITS.text),
  post_match_string: text(LIMITS.text),
};

const TOP_FIELDS = ['gms_access_tokens', 'rules', 'virtual_receptions'] as const;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkValue(spec: Spec, value: unknown, path: string): unknown {
  if (value === null && 'nullable' in spec && spec.nullable) return null;
  switch (spec.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw new ConfigError(path, `expected true or false, got ${describe(value)}`);
      return value;
    case 'int': {
      const range = `an integer from ${spec.min} to ${spec.max}${spec.nullable ? ' or null' : ''}`;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new ConfigError(path, `expected ${range}, got ${describe(value)}`);
      if (value < spec.min || value > spec.max) throw new ConfigError(path, `${value} is out of range: expected ${range}`);
      return value;
    }
    case 'string': {
      const what = `a string${spec.nullable ? ' or null' : ''}`;
      if (typeof value !== 'string') throw new ConfigError(path, `expected ${what}, got ${describe(value)}`);
      if (spec.nonEmpty && value.trim() === '') throw new ConfigError(path, 'must not be empty');
      if (value.length > spec.max) throw new ConfigError(path, `is ${value.length} characters long; at most ${spec.max} are allowed`);
      return value;
    }
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        const hint = typeof value === 'string' ? didYouMean(value, spec.values) : '';
        throw new ConfigError(path, `expected one of ${spec.values.map((v) => `"${v}"`).join(', ')}, got ${describe(value)}${hint}`);
      }
      return value;
  }
}

function asRecord(value: unknown, path: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(path, `expected ${what} (an object), got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function asArray(value: unknown, path: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(path, `expected an array, got ${describe(value)}`);
  return value;
}

/** `rules[1](name="untrusted")` when the item has a usable name, else `rules[1]`. */
function labelOf(list: string, index: number, item: Record<string, unknown>): string {
  return typeof item['name'] === 'string' ? `${list}[${index}](name=${JSON.stringify(item['name'])})` : `${list}[${index}]`;
}

/** Check fields against specs, apply defaults, reject unknown fields. */
function readFields<T>(item: Record<string, unknown>, label: string, specs: Record<string, Spec>, defaults: Record<string, unknown>): T {
  const known = Object.keys(specs);
  for (const key of Object.keys(item)) {
    if (!(key in specs)) throw new ConfigError(`${label}.${key}`, `unknown field${didYouMean(key, known)}`);
  }
  const out: Record<string, unknown> = {};
  for (const key of known) {
    const value = item[key];
    if (value === undefined) {
      if (!(key in defaults)) throw new ConfigError(`${label}.${key}`, 'is required');
      out[key] = defaults[key];
    } else {
      out[key] = checkValue(specs[key]!, value, `${label}.${key}`);
    }
  }
  return out as T;
}

function pattern(source: string, path: string): CompiledPattern {
  try {
    return compilePattern(source);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new ConfigError(path, `invalid regular expression: ${err.message}`, { cause: err });
    throw err;
  }
}

function template(source: string, compiled: CompiledPattern | null, path: string): ReplaceTemplate | null {
  if (source === '') return null;
  try {
    return compileTemplate(source, compiled ?? { groupCount: 0, groupNames: [] });
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new ConfigError(path, `invalid replacement: ${err.message}`, { cause: err });
    throw err;
  }
}

function tokenRef(tokens: Map<string, GmsAccessToken>, ref: string | null, path: string): GmsAccessToken | null {
  if (ref === null) return null;
  const token = tokens.get(ref);
  if (token) return token;
  const names = [...tokens.keys()];
  const known = names.length === 0 ? 'no tokens are configured' : `known tokens: ${names.map((n) => JSON.stringify(n)).join(', ')}`;
  throw new ConfigError(path, `unknown Google Meet access token ${JSON.stringify(ref)} (${known})${didYouMean(ref, names)}`);
}

function unique(seen: Map<string, string>, key: string, label: string, path: string, what: string): void {
  const previous = seen.get(key);
  if (previous !== undefined) throw new ConfigError(path, `duplicate ${what} (also used by ${previous})`);
  seen.set(key, label);
}

function readTokens(input: unknown): Map<string, GmsAccessToken> {
  const tokens = new Map<string, GmsAccessToken>();
  const seen = new Map<string, string>();
  asArray(input, 'gms_access_tokens').forEach((raw, i) => {
    const item = asRecord(raw, `gms_access_tokens[${i}]`, 'a Google Meet access token');
    const label = labelOf('gms_access_tokens', i, item);
    const token = Object.freeze(readFields<GmsAccessToken>(item, label, TOKEN_FIELDS, {}));
    unique(seen, token.name, label, `${label}.name`, `token name ${JSON.stringify(token.name)}`);
    tokens.set(token.name, token);
  });
  return tokens;
}

function readRules(input: unknown, tokens: Map<string, GmsAccessToken>): RoutingRule[] {
  const priorities = new Map<string, string>();
  const names = new Map<string, string>();
  const rules = asArray(input, 'rules').map((raw, index): RoutingRule => {
    const item = asRecord(raw, `rules[${index}]`, 'a Call Routing Rule');
    const label = labelOf('rules', index, item);
    const rule = readFields<CallRoutingRule>(item, label, RULE_FIELDS, RULE_DEFAULTS);
    unique(names, rule.name, label, `${label}.name`, `rule name ${JSON.stringify(rule.name)}`);
    unique(priorities, String(rule.priority), label, `${label}.priority`, `priority ${rule.priority}`);
    const compiled = pattern(rule.match_string, `${label}.match_string`);
    const replacement = template(rule.replace_string, compiled, `${label}.replace_string`);
    const token = tokenRef(tokens, rule.gms_access_token, `${label}.gms_access_token`);
    if (rule.called_device_type === 'gms_conference' && token === null) {
      throw new ConfigError(`${label}.gms_access_token`, 'is required when called_device_type is "gms_conference"');
    }
    return Object.freeze({ ...rule, index, label, pattern: compiled, replacement, token });
  });
  return rules.sort((a, b) => a.priority - b.priority);
}

function readReceptions(input: unknown, tokens: Map<string, GmsAccessToken>): RoutingVirtualReception[] {
  const names = new Map<string, string>();
  const aliases = new Map<string, string>();
  return asArray(input, 'virtual_receptions').map((raw, index): RoutingVirtualReception => {
    const item = asRecord(raw, `virtual_receptions[${index}]`, 'a Virtual Reception');
    const label = labelOf('virtual_receptions', index, item);
    const vr = readFields<VirtualReception>(item, label, VR_FIELDS, VIRTUAL_RECEPTION_DEFAULTS);
    unique(names, vr.name, label, `${label}.name`, `Virtual Reception name ${JSON.stringify(vr.name)}`);
    const aliasKey = parseAlias(vr.alias).parsed.toLowerCase();
    unique(aliases, aliasKey, label, `${label}.alias`, `alias ${JSON.stringify(vr.alias)}`);
    const compiled = vr.match_string === '' ? null : pattern(vr.match_string, `${label}.match_string`);
    const postMatch = template(vr.post_match_string, compiled, `${label}.post_match_string`);
    const token = tokenRef(tokens, vr.gms_access_token, `${label}.gms_access_token`);
    return Object.freeze({ ...vr, index, label, aliasKey, pattern: compiled, postMatch, token });
  });
}

/** Parse a routing config (e.g. from YAML/JSON) into a frozen RoutingConfig; throws ConfigError. */
export function validateRoutingConfig(input: unknown): RoutingConfig {
  const top = asRecord(input, '', 'a routing config');
  for (const key of Object.keys(top)) {
    if (!(TOP_FIELDS as readonly string[]).includes(key)) throw new ConfigError(key, `unknown field${didYouMean(key, TOP_FIELDS)}`);
  }
  const tokens = readTokens(top['gms_access_tokens']);
  return Object.freeze({
    gms_access_tokens: Object.freeze([...tokens.values()]),
    rules: Object.freeze(readRules(top['rules'], tokens)),
    virtual_receptions: Object.freeze(readReceptions(top['virtual_receptions'], tokens)),
  });
}
