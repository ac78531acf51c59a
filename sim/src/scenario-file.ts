import { readFile } from 'node:fs/promises';
import { ConfigError, parse } from '@gwsim/common';
import { validateRoutingConfig, type RoutingConfig } from '@gwsim/dialplan';
import { defaultRules } from '@gwsim/dialplan';
import type { TenantSpec } from '@gwsim/meet';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { scenarioSchema, type Scenario } from './scenario-schema.ts';

/** A scenario problem located in its file: `file:line:col: path: message`. */
export class ScenarioError extends ConfigError {
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(file: string, line: number, column: number, path: string, message: string, options?: { cause?: unknown }) {
    super(path, message, options);
    this.file = file;
    this.line = line;
    this.column = column;
    this.message = `${file}:${line}:${column}: ${path ? `${path}: ` : ''}${message}`;
    this.name = 'ScenarioError';
  }
}

function pathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** The deepest YAML node along `path` (the field itself, or its closest existing parent). */
function locate(doc: ReturnType<typeof parseDocument>, path: string): Node | null {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  for (const seg of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      node = pair.value ?? pair.key;
      best = (pair.value as Node | null) ?? (pair.key as Node | null) ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!node) break;
      best = node as Node;
    } else break;
  }
  return best;
}

/** The topology's tenants, home tenant first (`tenant`, or the `tenants` list; the schema ensures one of them). */
export function scenarioTenants(s: Scenario): readonly TenantSpec[] {
  return s.topology.tenants ?? [s.topology.tenant!];
}

/** The tenant a token belongs to: the one it names, else the home tenant. */
export function tokenTenant(s: Scenario, token: Scenario['topology']['tokens'][number]): string {
  return token.tenant ?? scenarioTenants(s)[0]!.domain;
}

export interface LoadedScenario {
  scenario: Scenario;
  routing: (secrets: Map<string, string>) => RoutingConfig;
  file: string;
}

/** Parse and validate a scenario (YAML text) into frozen typed objects; errors point at file:line:col. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new ScenarioError(file, pos.line, pos.col, '', `YAML: ${e.message.split('\n')[0]}`);
  }
  const at = (path: string) => {
    const node = locate(doc, path);
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
    return pos;
  };
  const fail = (err: unknown, prefix = ''): never => {
    if (err instanceof ConfigError) {
      const path = prefix && err.path ? `${prefix}.${err.path}` : prefix || err.path;
      const msg = err.path ? err.message.slice(err.path.length + 2) : err.message;
      const pos = at(path);
      throw new ScenarioError(file, pos.line, pos.col, path, msg, { cause: err });
    }
    throw err;
  };
  let scenario: Scenario;
  try {
    scenario = parse(scenarioSchema, doc.toJS());
  } catch (err) {
    return fail(err);
  }
  const s = scenario;
  crossCheck(s, fail);
  const routing = (secrets: Map<string, string>): RoutingConfig => {
    const specs = s.topology.tokens.map((t) => t.spec);
    const tokens = specs.map((t) => ({ name: t.name, token: secrets.get(t.name) ?? t.secret ?? '' }));
    const trusted = specs.find((t) => t.trusted);
    const untrusted = specs.find((t) => !t.trusted);
    const rules = s.topology.routing?.rules ?? (trusted && untrusted ? defaultRules({ trustedToken: trusted.name, untrustedToken: untrusted.name }) : []);
    try {
      return validateRoutingConfig({ gms_access_tokens: tokens, rules, virtual_receptions: s.topology.routing?.virtual_receptions ?? [] });
    } catch (err) {
      return fail(err, 'topology.routing');
    }
  };
  // Validate the routing now (with placeholder secrets) so a bad rule fails before anything starts.
  routing(new Map(s.topology.tokens.map((t) => [t.spec.name, 'x'.repeat(16)])));
  return { scenario: s, routing, file };
}

/** Checks across fields: unique names, calls from declared endpoints, `{meeting:label}` naming a meeting. */
function crossCheck(s: Scenario, fail: (err: unknown) => never): void {
  const endpoints = new Set<string>();
  s.endpoints.forEach((e, i) => {
    if (endpoints.has(e.name)) fail(new ConfigError(`endpoints[${i}].name`, `duplicate endpoint name "${e.name}"`));
    endpoints.add(e.name);
    if (e.persona === 'sipjs' && e.transport !== undefined) {
      fail(new ConfigError(`endpoints[${i}].transport`, 'applies to the vtc persona only: the sipjs persona speaks SIP over WebSocket (ws, or wss when the node has only wssPort)'));
    }
    if (e.persona === 'sipjs' && !s.topology.nodes.some((n) => n.wsPort !== undefined || n.wssPort !== undefined)) {
      fail(new ConfigError(`endpoints[${i}].persona`, 'the sipjs persona speaks SIP over WebSocket: give a node wsPort or wssPort'));
    }
  });
  const nodes = new Set<string>();
  s.topology.nodes.forEach((n, i) => {
    if (nodes.has(n.name)) fail(new ConfigError(`topology.nodes[${i}].name`, `duplicate node name "${n.name}"`));
    nodes.add(n.name);
  });
  if (s.topology.nodes.length && s.topology.nodes.every((n) => n.srv === false)) {
    fail(new ConfigError('topology.nodes', 'every node has srv: false: the DNS zone needs at least one node to publish'));
  }
  const tenantPath = s.topology.tenants ? 'topology.tenants' : 'topology.tenant';
  const tenants = new Map<string, Set<string>>();
  scenarioTenants(s).forEach((t, i) => {
    const domain = t.domain.toLowerCase();
    if (tenants.has(domain)) fail(new ConfigError(`${tenantPath}[${i}].domain`, `duplicate tenant "${domain}"`));
    tenants.set(domain, new Set((t.users ?? []).map((u) => u.email.toLowerCase())));
  });
  const declaredTenants = () => [...tenants.keys()].join(', ');
  const labels = new Set<string>();
  s.topology.meetings.forEach((m, i) => {
    if (labels.has(m.label)) fail(new ConfigError(`topology.meetings[${i}].label`, `duplicate meeting label "${m.label}"`));
    labels.add(m.label);
    // A meeting belongs to its organizer's tenant, so the organizer must be a user of a declared tenant.
    const organizer = m.spec.organizer.toLowerCase();
    const users = tenants.get(organizer.slice(organizer.lastIndexOf('@') + 1));
    if (!users) fail(new ConfigError(`topology.meetings[${i}].organizer`, `${m.spec.organizer} is not in a declared tenant's domain (tenants: ${declaredTenants()})`));
    else if (!users.has(organizer)) fail(new ConfigError(`topology.meetings[${i}].organizer`, `${m.spec.organizer} is not one of its tenant's users: add it to users`));
  });
  const tokens = new Set<string>();
  s.topology.tokens.forEach((t, i) => {
    if (tokens.has(t.spec.name)) fail(new ConfigError(`topology.tokens[${i}].name`, `duplicate token name "${t.spec.name}"`));
    tokens.add(t.spec.name);
    if (t.tenant !== undefined && !tenants.has(t.tenant.toLowerCase())) fail(new ConfigError(`topology.tokens[${i}].tenant`, `no tenant "${t.tenant}" (tenants: ${declaredTenants()})`));
  });
  const declared = () => [...labels].join(', ') || 'none';
  const checkDial = (dial: string, path: string) => {
    for (const m of dial.matchAll(/\{meeting:([^}]*)\}/g)) {
      if (!labels.has(m[1]!)) fail(new ConfigError(path, `{meeting:${m[1]}} names no meeting (labels: ${declared()})`));
    }
  };
  const checkFrom = (from: string, path: string) => {
    if (!endpoints.has(from)) fail(new ConfigError(path, `no endpoint named "${from}" (declared: ${[...endpoints].join(', ') || 'none'})`));
  };
  (s.calls ?? []).forEach((c, i) => {
    checkFrom(c.from, `calls[${i}].from`);
    checkDial(c.dial, `calls[${i}].dial`);
    if (c.hostAction && !labels.has(c.hostAction.meeting)) fail(new ConfigError(`calls[${i}].hostAction.meeting`, `no meeting labelled "${c.hostAction.meeting}" (labels: ${declared()})`));
    if (c.hostAction && c.hostAction.videoLock === undefined && !c.hostAction.endMeeting) fail(new ConfigError(`calls[${i}].hostAction`, 'says nothing to do: give videoLock or endMeeting'));
  });
  const load = s.load;
  if (load) {
    if (load.stages.length === 0) fail(new ConfigError('load.stages', 'needs at least one stage (constant, ramp or poisson)'));
    if (load.mix.length === 0) fail(new ConfigError('load.mix', 'needs at least one entry'));
    if (!load.mix.some((m) => m.weight > 0)) fail(new ConfigError('load.mix', 'needs at least one entry with a weight above 0'));
    const names = new Set<string>();
    load.mix.forEach((m, i) => {
      if (names.has(m.name)) fail(new ConfigError(`load.mix[${i}].name`, `duplicate mix entry name "${m.name}"`));
      names.add(m.name);
      checkFrom(m.from, `load.mix[${i}].from`);
      checkDial(m.dial, `load.mix[${i}].dial`);
    });
    if ((load.workers ?? 1) > 1) {
      fail(new ConfigError('load.workers', 'must be 1 here: a scenario places its load from its own endpoints in this thread (worker threads need an external SIP target)'));
    }
    load.stages.forEach((st, i) => {
      if (st.kind === 'ramp' ? st.from === 0 && st.to === 0 : st.rate === 0) fail(new ConfigError(`load.stages[${i}]`, 'starts no calls (rate 0); remove it or give a rate above 0'));
    });
  }
}

export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read scenario ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseScenario(text, file);
}

export const DEFAULT_SCENARIO = new URL('../../fixtures/scenarios/default.yaml', import.meta.url);
