/**
 * An authoritative zone (RFC 1034 §4.3.2 data, RFC 1035 §5 semantics): records validated on entry, lookup by
 * (name, type) case-insensitively (RFC 4343), NXDOMAIN vs NODATA told apart, empty non-terminals existing
 * (RFC 8020 §2: `_udp.vc.example.com` exists because `_sip._udp.vc.example.com` does). No wildcards.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '@gwsim/common';
import { canonicalName, type CnameRecord, type SoaRecord, type ZoneRecord, type ZoneRecordType } from './rr.ts';

/** Default TTL in seconds: short, so that a scenario that changes the zone is seen quickly. */
export const DEFAULT_TTL = 60;
const MAX_TTL = 0x7fffffff; // RFC 2181 §8

type WithOptionalTtl<R> = R extends ZoneRecord ? Omit<R, 'ttl'> & { ttl?: number } : never;
/** A record as given to `Zone.add`: the TTL defaults to the zone's. */
export type RecordInput = WithOptionalTtl<Exclude<ZoneRecord, SoaRecord>>;
export type SoaFields = Omit<SoaRecord, 'name' | 'type'>;

export interface ZoneOptions {
  /** The apex, e.g. `vc.example.com`. */
  origin: string;
  /** Default TTL for records given without one (seconds). */
  ttl?: number;
  /** Override SOA fields; by default `ns.<origin> hostmaster.<origin> 1 3600 600 86400 <ttl>`. */
  soa?: Partial<SoaFields>;
  records?: RecordInput[];
}

/** Outcome of one lookup; `cname` means the name is an alias and the caller chases it (RFC 1034 §3.6.2). */
export type LookupResult =
  | { status: 'out-of-zone' }
  | { status: 'nxdomain' }
  | { status: 'nodata' }
  | { status: 'cname'; cname: CnameRecord }
  | { status: 'answer'; records: readonly ZoneRecord[] };

const LABEL = /^(?:[a-z0-9_]|[a-z0-9_][a-z0-9_-]{0,61}[a-z0-9_])$/;

/** Validate a host-style domain name; returns its canonical form or throws ConfigError at `path`. */
export function validateDomainName(name: unknown, path: string, options: { allowRoot?: boolean } = {}): string {
  if (typeof name !== 'string') throw new ConfigError(path, `expected a domain name string, got ${typeof name}`);
  const canon = canonicalName(name);
  if (canon === '') {
    if (options.allowRoot && (name === '.' || name === '')) return '';
    throw new ConfigError(path, 'empty domain name');
  }
  if (canon.length > 253) throw new ConfigError(path, `"${name}" is longer than 253 characters`);
  for (const label of canon.split('.')) {
    if (!LABEL.test(label)) {
      throw new ConfigError(path, `"${name}" has an invalid label "${label}" (allowed: 1-63 of a-z 0-9 _ -, no leading or trailing -)`);
    }
  }
  return canon;
}

/** Validate an integer field in [min, max]. */
export function validateInt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function validateCharString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length > 255 || [...value].some((c) => c.charCodeAt(0) > 0xff)) {
    throw new ConfigError(path, 'expected a string of at most 255 latin1 characters');
  }
  return value;
}

export class Zone {
  readonly origin: string;
  readonly ttl: number;
  #byName = new Map<string, ZoneRecord[]>();
  /** Existing names, owners and their ancestors up to the origin, with the number of owners under each. */
  #existing = new Map<string, number>();
  #soa: SoaRecord;
  /** The initial records do not count as changes to the configured serial. */
  #building = true;
  /** Bumped on every change, the initial records included; caches of answers key on it. */
  #generation = 0;

  constructor(options: ZoneOptions) {
    this.origin = validateDomainName(options.origin, 'origin');
    this.ttl = options.ttl === undefined ? DEFAULT_TTL : validateInt(options.ttl, 'ttl', 0, MAX_TTL);
    const soa = options.soa ?? {};
    this.#soa = Object.freeze({
      name: this.origin,
      type: 'SOA',
      ttl: validateInt(soa.ttl ?? this.ttl, 'soa.ttl', 0, MAX_TTL),
      mname: validateDomainName(soa.mname ?? `ns.${this.origin}`, 'soa.mname'),
      rname: validateDomainName(soa.rname ?? `hostmaster.${this.origin}`, 'soa.rname'),
      serial: validateInt(soa.serial ?? 1, 'soa.serial', 0, 0xffffffff),
      refresh: validateInt(soa.refresh ?? 3600, 'soa.refresh', 0, MAX_TTL),
      retry: validateInt(soa.retry ?? 600, 'soa.retry', 0, MAX_TTL),
      expire: validateInt(soa.expire ?? 86400, 'soa.expire', 0, MAX_TTL),
      minimum: validateInt(soa.minimum ?? this.ttl, 'soa.minimum', 0, MAX_TTL),
    } as const);
    this.#insert(this.#soa);
    (options.records ?? []).forEach((r, i) => this.add(r, `records[${i}]`));
    this.#building = false;
  }

  /** The SOA record; its serial grows by one on every change (RFC 1035 §3.3.13). */
  get soa(): SoaRecord {
    return this.#soa;
  }

  /** A number that changes whenever the zone does (also for changes made while building it). */
  get generation(): number {
    return this.#generation;
  }

  /** An independent copy with the same origin, TTL, SOA and records (used for "stale" answers). */
  clone(): Zone {
    const { name: _name, type: _type, ...soa } = this.#soa;
    const records = this.records().filter((r): r is Exclude<ZoneRecord, SoaRecord> => r.type !== 'SOA');
    return new Zone({ origin: this.origin, ttl: this.ttl, soa, records });
  }

  /** Number of records, SOA included. */
  get size(): number {
    let n = 0;
    for (const list of this.#byName.values()) n += list.length;
    return n;
  }

  /** True when `name` is the origin or below it. */
  contains(name: string): boolean {
    const canon = canonicalName(name);
    return canon === this.origin || canon.endsWith(`.${this.origin}`);
  }

  /** Validate and add a record; an identical record (all fields but TTL) is not added twice (RFC 2181 §5). */
  add(input: RecordInput, path = 'record'): ZoneRecord {
    const record = this.#validate(input, path);
    const list = this.#byName.get(record.name) ?? [];
    const clash = record.type === 'CNAME' ? list.length > 0 && list.some((r) => r.type !== 'CNAME' || r.target !== record.target) : list.some((r) => r.type === 'CNAME');
    if (clash) throw new ConfigError(`${path}.name`, `"${record.name}" cannot hold a CNAME and other data (RFC 1034 §3.6.2)`);
    const key = identity(record);
    const same = list.find((r) => identity(r) === key);
    if (same) return same;
    this.#insert(record);
    this.#bumpSerial();
    return record;
  }

  /** Remove every record at `name` (of `type` when given); returns how many were removed. */
  remove(name: string, type?: ZoneRecordType): number {
    const canon = canonicalName(name);
    const list = this.#byName.get(canon);
    if (!list) return 0;
    const keep = list.filter((r) => r.type === 'SOA' || (type !== undefined && r.type !== type));
    const removed = list.length - keep.length;
    if (removed) this.#generation++;
    if (keep.length) this.#byName.set(canon, keep);
    else {
      this.#byName.delete(canon);
      this.#forEachAncestor(canon, (n) => {
        const c = (this.#existing.get(n) ?? 1) - 1;
        if (c) this.#existing.set(n, c);
        else this.#existing.delete(n);
      });
    }
    if (removed) this.#bumpSerial();
    return removed;
  }

  /** Find the RRset for (name, type), or say why there is none. Does not chase CNAMEs. */
  lookup(name: string, type: ZoneRecordType | 'ANY'): LookupResult {
    const canon = canonicalName(name);
    if (!this.contains(canon)) return { status: 'out-of-zone' };
    const list = this.#byName.get(canon);
    if (!list) return this.#existing.has(canon) ? { status: 'nodata' } : { status: 'nxdomain' };
    const first = list[0]!;
    if (first.type === 'CNAME' && type !== 'CNAME' && type !== 'ANY') return { status: 'cname', cname: first };
    const records = type === 'ANY' ? list : list.filter((r) => r.type === type);
    return records.length ? { status: 'answer', records } : { status: 'nodata' };
  }

  /** Every record, owner names in insertion order. */
  records(): ZoneRecord[] {
    return [...this.#byName.values()].flat();
  }

  #insert(record: ZoneRecord): void {
    this.#generation++;
    const list = this.#byName.get(record.name);
    if (list) {
      list.push(record);
      return;
    }
    this.#byName.set(record.name, [record]);
    this.#forEachAncestor(record.name, (n) => this.#existing.set(n, (this.#existing.get(n) ?? 0) + 1));
  }

  #forEachAncestor(name: string, fn: (n: string) => void): void {
    let n = name;
    for (;;) {
      fn(n);
      if (n === this.origin) return;
      n = n.slice(n.indexOf('.') + 1);
    }
  }

  #bumpSerial(): void {
    if (this.#building) return;
    const next = Object.freeze({ ...this.#soa, serial: (this.#soa.serial + 1) >>> 0 });
    const list = this.#byName.get(this.origin)!;
    list[list.indexOf(this.#soa)] = next;
    this.#soa = next;
  }

  #validate(input: RecordInput, path: string): ZoneRecord {
    if (typeof input !== 'object' || input === null) throw new ConfigError(path, 'expected a record object');
    const name = validateDomainName(input.name, `${path}.name`);
    if (!this.contains(name)) throw new ConfigError(`${path}.name`, `"${name}" is outside zone "${this.origin}"`);
    const ttl = input.ttl === undefined ? this.ttl : validateInt(input.ttl, `${path}.ttl`, 0, MAX_TTL);
    const u16 = (v: unknown, field: string) => validateInt(v, `${path}.${field}`, 0, 0xffff);
    switch (input.type) {
      case 'A':
        if (!isIPv4(input.address)) throw new ConfigError(`${path}.address`, `"${input.address}" is not an IPv4 address`);
        return Object.freeze({ name, type: 'A', ttl, address: input.address });
      case 'AAAA':
        if (!isIPv6(input.address)) throw new ConfigError(`${path}.address`, `"${input.address}" is not an IPv6 address`);
        return Object.freeze({ name, type: 'AAAA', ttl, address: input.address.toLowerCase() });
      case 'SRV':
        return Object.freeze({
          name, type: 'SRV', ttl,
          priority: u16(input.priority, 'priority'), weight: u16(input.weight, 'weight'), port: u16(input.port, 'port'),
          target: validateDomainName(input.target, `${path}.target`, { allowRoot: true }),
        });
      case 'CNAME':
        if (name === this.origin) throw new ConfigError(`${path}.name`, 'the zone apex cannot be a CNAME');
        return Object.freeze({ name, type: 'CNAME', ttl, target: validateDomainName(input.target, `${path}.target`) });
      case 'TXT': {
        if (!Array.isArray(input.data) || input.data.length === 0) throw new ConfigError(`${path}.data`, 'expected a non-empty array of strings');
        const data = input.data.map((s, i) => validateCharString(s, `${path}.data[${i}]`));
        return Object.freeze({ name, type: 'TXT', ttl, data: Object.freeze(data) as string[] });
      }
      case 'NAPTR':
        if (typeof input.flags !== 'string' || !/^[A-Za-z0-9]*$/.test(input.flags)) {
          throw new ConfigError(`${path}.flags`, 'expected letters and digits (RFC 3403 §4.1), e.g. "S"');
        }
        return Object.freeze({
          name, type: 'NAPTR', ttl,
          order: u16(input.order, 'order'), preference: u16(input.preference, 'preference'),
          flags: input.flags, service: validateCharString(input.service, `${path}.service`),
          regexp: validateCharString(input.regexp, `${path}.regexp`),
          replacement: validateDomainName(input.replacement, `${path}.replacement`, { allowRoot: true }),
        });
      default:
        throw new ConfigError(`${path}.type`, `unsupported type ${JSON.stringify((input as { type: unknown }).type)} (allowed: A, AAAA, SRV, CNAME, TXT, NAPTR)`);
    }
  }
}

function identity(r: ZoneRecord): string {
  return JSON.stringify({ ...r, ttl: 0 });
}
