/**
 * Fault injection for the authoritative server: what a broken or misconfigured DNS does to a SIP client
 * (RFC 3263 §4.3 failover is only tested when DNS misbehaves). Faults are plain data, keyed by question name
 * and type, validated once (`parseFaults`, `dnsFaultSchema`) and switched at run time on `server.faults`.
 * They change answers only; the zone itself is never touched.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { array, ConfigError, integer, object, oneOf, optional, string, tagged, toJsonSchema, type Schema } from '@gwsim/common';
import { canonicalName } from './rr.ts';
import { validateDomainName, type Zone } from './zone.ts';

/** Kinds of fault, as named in scenarios and in `server.faults.set({ kind })`. */
export const DNS_FAULT_KINDS = ['nxdomain', 'servfail', 'refused', 'timeout', 'delay', 'wrong-target', 'stale-target', 'ttl', 'every-nth'] as const;
export type DnsFaultKind = (typeof DNS_FAULT_KINDS)[number];

/** Question types a fault can be limited to; without `type` a fault matches every type. */
export const DNS_FAULT_TYPES = ['A', 'AAAA', 'SRV', 'NAPTR', 'CNAME', 'TXT', 'SOA'] as const;
export type DnsFaultType = (typeof DNS_FAULT_TYPES)[number];

interface FaultBase {
  /** Handle for replacing or clearing the fault; assigned (`f1`, `f2`, …) when absent. */
  readonly id?: string;
  /** Question name, e.g. `px01.vc.example.com`; `*.vc.example.com` matches every name below it. */
  readonly name: string;
  readonly type?: DnsFaultType;
  /** Apply to this many matching queries, then retire; unlimited when absent. */
  readonly times?: number;
}

/**
 * One fault, as plain data (the scenario format):
 * - `nxdomain` / `servfail` / `refused`: answer with that rcode (NXDOMAIN carries the SOA, RFC 2308 §3).
 * - `timeout`: no answer at all (the query is dropped).
 * - `delay`: the normal answer, `delayMs` late.
 * - `wrong-target`: rewrite SRV targets (`target`, `port`) and A/AAAA addresses (`address`) in the answer.
 * - `stale-target`: answer from the zone as it was when the fault was set, ignoring later changes.
 * - `ttl`: every record in the answer and authority sections gets TTL `ttl`.
 * - `every-nth`: only every `n`th matching query is answered; the others get `otherwise` (default: dropped).
 *
 * Every matching fault applies, in the order they were set. A record set under a fault that the client only
 * sees as additional data (SRV glue) is rewritten for `wrong-target` and `ttl` and left out otherwise, so the
 * client has to ask for it and meets the fault itself.
 */
export type DnsFaultSpec = FaultBase &
  (
    | { readonly kind: 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'stale-target' }
    | { readonly kind: 'delay'; readonly delayMs: number }
    | { readonly kind: 'wrong-target'; readonly target?: string; readonly address?: string; readonly port?: number }
    | { readonly kind: 'ttl'; readonly ttl: number }
    | { readonly kind: 'every-nth'; readonly n: number; readonly otherwise?: 'timeout' | 'servfail' | 'refused' }
  );

/** A fault as `set`, `list` and `clear` report it: the spec with its id, plus how often it matched. */
export type DnsFaultView = DnsFaultSpec & { readonly id: string; readonly matched: number; readonly retired: boolean };

const MAX_DELAY_MS = 600_000;
const MAX_TTL = 0x7fffffff;

const faultName = string({
  min: 1,
  max: 255,
  hint: 'a domain name, optionally starting with "*." for every name below it',
  check: (v) => {
    try {
      validateDomainName(v.startsWith('*.') ? v.slice(2) : v, '');
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
});
const base = {
  id: optional(string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.:-]+$/, hint: '1-64 letters, digits, _ . : -' })),
  name: faultName,
  type: optional(oneOf(DNS_FAULT_TYPES)),
  times: optional(integer({ min: 1, max: 1_000_000_000 })),
};
const ipAddress = string({ max: 45, hint: 'an IPv4 or IPv6 address', check: (v) => (isIPv4(v) || isIPv6(v) ? undefined : `"${v}" is not an IPv4 or IPv6 address`) });
const hostName = string({
  min: 1,
  max: 255,
  hint: 'a domain name',
  check: (v) => {
    try {
      validateDomainName(v, '', { allowRoot: true });
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  },
});

const variants = tagged('kind', {
  nxdomain: object(base),
  servfail: object(base),
  refused: object(base),
  timeout: object(base),
  delay: object({ ...base, delayMs: integer({ min: 1, max: MAX_DELAY_MS }) }),
  'wrong-target': object({ ...base, target: optional(hostName), address: optional(ipAddress), port: optional(integer({ min: 1, max: 0xffff })) }),
  'stale-target': object(base),
  ttl: object({ ...base, ttl: integer({ min: 0, max: MAX_TTL }) }),
  'every-nth': object({ ...base, n: integer({ min: 1, max: 1_000_000 }), otherwise: optional(oneOf(['timeout', 'servfail', 'refused'] as const)) }),
});

/** Schema of one fault; compose it into a scenario schema (`topology.dns.faults: array(dnsFaultSchema)`). */
export const dnsFaultSchema: Schema<DnsFaultSpec> = {
  expects: `a DNS fault: { name, type?, kind: ${DNS_FAULT_KINDS.join(' | ')}, … }`,
  parse(value, path) {
    const spec = variants.parse(value, path) as DnsFaultSpec;
    if (spec.kind === 'wrong-target' && spec.target === undefined && spec.address === undefined && spec.port === undefined) {
      throw new ConfigError(path, 'a wrong-target fault needs at least one of target, address, port');
    }
    return spec;
  },
  // Editors get the variants' own JSON Schema (the cross-field wrong-target rule is checked at parse time).
  json: toJsonSchema(variants),
};

/** Schema of a fault list (at most 1000). */
export const dnsFaultsSchema: Schema<readonly DnsFaultSpec[]> = array(dnsFaultSchema, { max: 1000 });

/** Validate plain data (from a scenario or an API body) into frozen fault specs; errors name the field path. */
export function parseFaults(input: unknown, path = 'faults'): readonly DnsFaultSpec[] {
  return dnsFaultsSchema.parse(input, path);
}

/** What the faults decided for one query. */
export interface FaultDecision {
  /** Send nothing. */
  drop: boolean;
  delayMs: number;
  /** Replace the answer with this rcode (NXDOMAIN, SERVFAIL, REFUSED). */
  rcode?: 'nxdomain' | 'servfail' | 'refused';
  /** Answer from this frozen copy of the zone instead of the live one. */
  staleZone?: Zone;
  /** Rewrites to apply to the answer, in order. */
  rewrites: Array<{ kind: 'wrong-target'; target?: string; address?: string; port?: number } | { kind: 'ttl'; ttl: number }>;
}

/** A rewrite that glue (additional data) for a faulted name gets instead of being left out. */
export type GlueRewrite = FaultDecision['rewrites'][number];

interface ActiveFault {
  spec: DnsFaultSpec & { id: string };
  /** Canonical name; `suffix` when the spec name was `*.suffix`. */
  name: string;
  wildcard: boolean;
  matched: number;
  /** Every-nth counter. */
  seen: number;
  staleZone?: Zone;
}

/**
 * The fault table of one server. Methods return plain snapshots (`DnsFaultView`); input is validated with
 * `dnsFaultSchema` and a bad field throws ConfigError naming it.
 */
export class DnsFaults {
  #faults = new Map<string, ActiveFault>();
  #nextId = 1;
  #zone: () => Zone;

  /** `zone` gives the live zone, snapshotted by `stale-target` faults when they are set. */
  constructor(zone: () => Zone) {
    this.#zone = zone;
  }

  /** Number of faults set (retired ones included until cleared). */
  get size(): number {
    return this.#faults.size;
  }

  /** Add a fault, or replace the one with the same `id`. */
  set(input: unknown): DnsFaultView {
    const spec = dnsFaultSchema.parse(input, 'fault');
    let id = spec.id;
    if (id === undefined) {
      do id = `f${this.#nextId++}`;
      while (this.#faults.has(id));
    }
    const wildcard = spec.name.startsWith('*.');
    const fault: ActiveFault = {
      spec: Object.freeze({ ...spec, id }),
      name: canonicalName(wildcard ? spec.name.slice(2) : spec.name),
      wildcard,
      matched: 0,
      seen: 0,
      staleZone: spec.kind === 'stale-target' ? this.#zone().clone() : undefined,
    };
    this.#faults.delete(id); // a replaced fault moves to the end of the order
    this.#faults.set(id, fault);
    return view(fault);
  }

  /** Set several faults (e.g. a scenario's list), in order. */
  setAll(input: unknown): DnsFaultView[] {
    return parseFaults(input).map((spec) => this.set(spec));
  }

  list(): DnsFaultView[] {
    return [...this.#faults.values()].map(view);
  }

  get(id: string): DnsFaultView | undefined {
    const f = this.#faults.get(id);
    return f && view(f);
  }

  /**
   * Remove faults: all of them, the one with `id`, or those set for `name` (and `type` when given). Returns
   * the removed faults.
   */
  clear(match: { id?: string; name?: string; type?: DnsFaultType } = {}): DnsFaultView[] {
    const removed: DnsFaultView[] = [];
    for (const [id, f] of this.#faults) {
      if (match.id !== undefined && id !== match.id) continue;
      if (match.name !== undefined && canonicalName(match.name) !== canonicalName(f.spec.name)) continue;
      if (match.type !== undefined && f.spec.type !== match.type) continue;
      this.#faults.delete(id);
      removed.push(view(f));
    }
    return removed;
  }

  /** Decide what to do with a query for (name, type mnemonic). Counts the query against matching faults. */
  decide(qname: string, qtype: string): FaultDecision {
    const decision: FaultDecision = { drop: false, delayMs: 0, rewrites: [] };
    if (this.#faults.size === 0) return decision;
    const name = canonicalName(qname);
    for (const f of this.#faults.values()) {
      if (!live(f) || !matches(f, name, qtype)) continue;
      f.matched++;
      const spec = f.spec;
      switch (spec.kind) {
        case 'every-nth':
          if (++f.seen % spec.n === 0) break;
          if ((spec.otherwise ?? 'timeout') === 'timeout') return { ...decision, drop: true };
          decision.rcode = spec.otherwise as 'servfail' | 'refused';
          return decision;
        case 'timeout':
          return { ...decision, drop: true };
        case 'delay':
          decision.delayMs += spec.delayMs;
          break;
        case 'nxdomain':
        case 'servfail':
        case 'refused':
          decision.rcode = spec.kind;
          break;
        case 'stale-target':
          decision.staleZone = f.staleZone;
          break;
        case 'wrong-target':
          decision.rewrites.push({ kind: 'wrong-target', target: spec.target, address: spec.address, port: spec.port });
          break;
        case 'ttl':
          decision.rewrites.push({ kind: 'ttl', ttl: spec.ttl });
          break;
      }
    }
    return decision;
  }

  /**
   * How additional data for (name, type) must be treated: `keep` it, `omit` it (so the client asks and meets
   * the fault), or rewrite it. Does not count as a query.
   */
  glue(name: string, type: string): 'keep' | 'omit' | GlueRewrite[] {
    if (this.#faults.size === 0) return 'keep';
    const canon = canonicalName(name);
    const rewrites: GlueRewrite[] = [];
    for (const f of this.#faults.values()) {
      if (!live(f) || !matches(f, canon, type)) continue;
      const spec = f.spec;
      if (spec.kind === 'wrong-target') rewrites.push({ kind: 'wrong-target', target: spec.target, address: spec.address, port: spec.port });
      else if (spec.kind === 'ttl') rewrites.push({ kind: 'ttl', ttl: spec.ttl });
      else return 'omit';
    }
    return rewrites.length ? rewrites : 'keep';
  }

  /** Plain snapshot for `server.dump()`. */
  dump(): DnsFaultView[] {
    return this.list();
  }
}

function live(f: ActiveFault): boolean {
  return f.spec.times === undefined || f.matched < f.spec.times;
}

function matches(f: ActiveFault, name: string, type: string): boolean {
  if (f.spec.type !== undefined && f.spec.type !== type) return false;
  return f.wildcard ? name.endsWith(`.${f.name}`) : name === f.name;
}

function view(f: ActiveFault): DnsFaultView {
  return Object.freeze({ ...f.spec, matched: f.matched, retired: !live(f) });
}
