/**
 * Resource record vocabulary shared by the codec, the zone and the resolver: TYPE and RCODE values
 * (RFC 1035 §3.2.2, §4.1.1; RFC 3596 AAAA; RFC 2782 SRV; RFC 3403 NAPTR; RFC 6891 OPT) and the typed
 * RDATA shapes. Names are absolute, lower-case, without the trailing dot ('' is the root).
 */

/** RR TYPE codes this package understands (RFC 1035 §3.2.2 and the RFCs named above). */
export const RR_TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  OPT: 41,
  ANY: 255,
} as const;

export type RecordTypeName = keyof typeof RR_TYPE;
/** Types a zone can hold. */
export type ZoneRecordType = 'A' | 'AAAA' | 'SRV' | 'CNAME' | 'TXT' | 'NAPTR' | 'SOA';

/** CLASS values (RFC 1035 §3.2.4). */
export const RR_CLASS = { IN: 1, ANY: 255 } as const;

/** RCODE values (RFC 1035 §4.1.1, RFC 6891 §9 BADVERS). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

export type RcodeName = keyof typeof RCODE;

const TYPE_NAMES = new Map<number, string>(Object.entries(RR_TYPE).map(([k, v]) => [v, k]));
const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));

/** Mnemonic for a TYPE value, `TYPE<n>` for unknown ones (RFC 3597 §5). */
export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

/** Mnemonic for an RCODE value, `RCODE<n>` for unknown ones. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

export interface ARecord { name: string; type: 'A'; ttl: number; address: string }
export interface AaaaRecord { name: string; type: 'AAAA'; ttl: number; address: string }
/** RFC 2782: target '' (the root, ".") means "service decidedly not available". */
export interface SrvRecord { name: string; type: 'SRV'; ttl: number; priority: number; weight: number; port: number; target: string }
export interface CnameRecord { name: string; type: 'CNAME'; ttl: number; target: string }
/** RFC 1035 §3.3.14: one or more character-strings of at most 255 bytes each. */
export interface TxtRecord { name: string; type: 'TXT'; ttl: number; data: string[] }
/** RFC 3403 §4.1. */
export interface NaptrRecord {
  name: string;
  type: 'NAPTR';
  ttl: number;
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
}
/** RFC 1035 §3.3.13. */
export interface SoaRecord {
  name: string;
  type: 'SOA';
  ttl: number;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type ZoneRecord = ARecord | AaaaRecord | SrvRecord | CnameRecord | TxtRecord | NaptrRecord | SoaRecord;

/** RFC 6891 §6.1.2 OPT pseudo-record as seen on the wire. */
export interface OptRecord {
  name: string;
  type: 'OPT';
  udpPayloadSize: number;
  extendedRcode: number;
  version: number;
  dnssecOk: boolean;
  options: Buffer;
}

/** A record of a type this package does not model: RDATA kept opaque (RFC 3597). */
export interface RawRecord { name: string; type: number; class: number; ttl: number; rdata: Buffer }

/** Any record in a message section. `class` is IN for the typed shapes. */
export type WireRecord = ZoneRecord | OptRecord | RawRecord;

export function isZoneRecord(r: WireRecord): r is ZoneRecord {
  return typeof r.type === 'string' && r.type !== 'OPT';
}

/** Lower-case, strip one trailing dot: the canonical key for comparisons (RFC 4343). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
