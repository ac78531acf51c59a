/**
 * Import what users already have: the JSON of Pexip Infinity's management API (configuration/v1) for
 * `gms_access_token` and `gateway_routing_rule`, as a list response (`{ meta, objects: [...] }`) or a bare
 * array. Resource URIs (`/api/admin/configuration/v1/gms_access_token/3/`) become names; fields gwsim does
 * not model (media, proxies, themes, …) are dropped and reported, never silently: the result lists them.
 */
import { ConfigError } from '@gwsim/common';
import { CALL_TYPES, RULE_DEFAULTS, type CallRoutingRuleInput, type GmsAccessToken, type RoutingConfigInput } from './config.ts';

export interface PexipExport {
  gms_access_token?: unknown;
  gateway_routing_rule?: unknown;
  /** Optional: `system_location` objects, to turn location resource URIs into names. */
  system_location?: unknown;
}

export interface PexipImport {
  config: RoutingConfigInput;
  /** `gateway_routing_rule[2].crypto` — every field present in the export that gwsim does not model. */
  ignored: string[];
}

const MODELLED = new Set([...Object.keys(RULE_DEFAULTS), 'priority', 'name', 'match_string']);
/** Bookkeeping fields of every Pexip resource: expected, not worth reporting. */
const BOOKKEEPING = new Set(['id', 'resource_uri', 'creation_time', 'match_outgoing_calls']);

function objectsOf(value: unknown, path: string): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : (value as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(list)) throw new ConfigError(path, 'expected a Pexip list response ({ "objects": [...] }) or an array');
  return list.map((o, i) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(`${path}[${i}]`, 'expected an object');
    return o as Record<string, unknown>;
  });
}

/** `/api/admin/configuration/v1/<kind>/<id>/` → id, checking the kind. */
function uriId(value: unknown, kind: string, path: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new ConfigError(path, `expected a ${kind} resource URI or null`);
  const m = new RegExp(`/${kind}/(\\d+)/?$`).exec(value);
  if (!m) throw new ConfigError(path, `expected a ${kind} resource URI like /api/admin/configuration/v1/${kind}/1/, got ${JSON.stringify(value)}`);
  return m[1]!;
}

export function importPexipConfig(exported: PexipExport): PexipImport {
  const ignored: string[] = [];
  const tokensById = new Map<string, string>();
  const tokens: GmsAccessToken[] = [];
  if (exported.gms_access_token !== undefined) {
    objectsOf(exported.gms_access_token, 'gms_access_token').forEach((t, i) => {
      const path = `gms_access_token[${i}]`;
      if (typeof t.name !== 'string' || typeof t.token !== 'string') throw new ConfigError(path, 'needs string fields name and token');
      tokens.push({ name: t.name, token: t.token });
      const id = t.id !== undefined ? String(t.id) : uriId(t.resource_uri, 'gms_access_token', `${path}.resource_uri`);
      if (id) tokensById.set(id, t.name);
      for (const k of Object.keys(t)) if (!['name', 'token', 'description'].includes(k) && !BOOKKEEPING.has(k)) ignored.push(`${path}.${k}`);
    });
  }
  const locations = new Map<string, string>();
  if (exported.system_location !== undefined) {
    objectsOf(exported.system_location, 'system_location').forEach((l, i) => {
      if (typeof l.name !== 'string') throw new ConfigError(`system_location[${i}].name`, 'expected a string');
      const id = l.id !== undefined ? String(l.id) : uriId(l.resource_uri, 'system_location', `system_location[${i}].resource_uri`);
      if (id) locations.set(id, l.name);
    });
  }
  const location = (v: unknown, path: string): string | null => {
    const id = uriId(v, 'system_location', path);
    return id === null ? null : (locations.get(id) ?? `location-${id}`);
  };
  const rules: CallRoutingRuleInput[] = [];
  if (exported.gateway_routing_rule !== undefined) {
    objectsOf(exported.gateway_routing_rule, 'gateway_routing_rule').forEach((r, i) => {
      const path = `gateway_routing_rule[${i}]`;
      const rule: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) {
        if (k === 'gms_access_token') {
          const id = uriId(v, 'gms_access_token', `${path}.gms_access_token`);
          if (id !== null && !tokensById.has(id)) throw new ConfigError(`${path}.gms_access_token`, `refers to gms_access_token ${id}, which the export does not contain`);
          rule.gms_access_token = id === null ? null : tokensById.get(id);
        } else if (k === 'match_source_location' || k === 'outgoing_location') {
          rule[k] = location(v, `${path}.${k}`);
        } else if (k === 'call_type' && typeof v === 'string' && !(CALL_TYPES as readonly string[]).includes(v)) {
          throw new ConfigError(`${path}.call_type`, `"${v}" is not one of ${CALL_TYPES.join(', ')}`);
        } else if (MODELLED.has(k)) {
          rule[k] = v === null && (k === 'description' || k === 'replace_string') ? '' : v;
        } else if (!BOOKKEEPING.has(k)) {
          ignored.push(`${path}.${k}`);
        }
      }
      rules.push(rule as unknown as CallRoutingRuleInput);
    });
  }
  return { config: { gms_access_tokens: tokens, rules }, ignored };
}
