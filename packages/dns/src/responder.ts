/**
 * The authoritative answer algorithm (RFC 1034 §4.3.2) as a pure function over a Zone: AA set, in-zone
 * CNAME chasing (RFC 6604 rcode of the last link), negative answers with the SOA (RFC 2308 §3), SRV/NAPTR
 * additional-section processing (RFC 2782, RFC 3403 §4.1), EDNS(0) (RFC 6891) and UDP size fitting.
 */
import { emptyMessage, encodeMessage, type DnsHeader, type DnsMessage, type DnsQuestion } from './message.ts';
import { canonicalName, isZoneRecord, RCODE, RR_CLASS, RR_TYPE, typeName, type OptRecord, type ZoneRecord, type ZoneRecordType } from './rr.ts';
import type { Zone } from './zone.ts';

/** Largest UDP payload we accept and offer (the DNS Flag Day 2020 value). */
export const EDNS_UDP_SIZE = 1232;
/** RFC 1035 §4.2.1 limit without EDNS. */
export const CLASSIC_UDP_SIZE = 512;
const MAX_CNAME_HOPS = 8;
const ZONE_TYPES = new Set<string>(['A', 'AAAA', 'SRV', 'CNAME', 'TXT', 'NAPTR', 'SOA']);

/** A response with flags copied from the request (RFC 1035 §4.1.1), AA off, no sections but the question. */
function baseResponse(query: Pick<DnsHeader, 'id' | 'opcode' | 'rd' | 'cd'>, questions: DnsQuestion[], rcode: number): DnsMessage {
  return { ...emptyMessage(query.id), qr: true, opcode: query.opcode, rd: query.rd, cd: query.cd, rcode, questions };
}

/** FORMERR for a query whose header was readable but whose body was not (RFC 1035 §4.1.1). */
export function formatError(header: DnsHeader): DnsMessage {
  return baseResponse(header, [], RCODE.FORMERR);
}

/** The UDP payload limit the requester advertised (RFC 6891 §6.2.5), clamped to [512, EDNS_UDP_SIZE]. */
export function udpLimit(query: DnsMessage): number {
  const opt = query.additionals.find((r): r is OptRecord => r.type === 'OPT');
  if (!opt) return CLASSIC_UDP_SIZE;
  return Math.min(Math.max(opt.udpPayloadSize, CLASSIC_UDP_SIZE), EDNS_UDP_SIZE);
}

/** Answer one query from `zone`. The caller has checked that it is a query (QR = 0). */
export function answerQuery(zone: Zone, query: DnsMessage): DnsMessage {
  const opts = query.additionals.filter((r): r is OptRecord => r.type === 'OPT');
  const question = query.questions.slice(0, 1);
  if (opts.length > 1) return baseResponse(query, question, RCODE.FORMERR); // RFC 6891 §6.1.1
  const response = baseResponse(query, question, RCODE.NOERROR);
  if (opts.length === 1) {
    response.additionals.push({ name: '', type: 'OPT', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, version: 0, dnssecOk: false, options: Buffer.alloc(0) });
    if (opts[0]!.version > 0) return { ...response, rcode: RCODE.BADVERS }; // RFC 6891 §6.1.3
  }
  if (query.opcode !== 0) return { ...response, rcode: RCODE.NOTIMP };
  const q = query.questions[0];
  if (query.questions.length !== 1 || !q || q.type === RR_TYPE.OPT) return { ...response, rcode: RCODE.FORMERR };
  if ((q.class !== RR_CLASS.IN && q.class !== RR_CLASS.ANY) || !zone.contains(q.name)) return { ...response, rcode: RCODE.REFUSED };
  if (q.type === 251 || q.type === 252) return { ...response, rcode: RCODE.REFUSED }; // IXFR/AXFR not offered

  response.aa = true;
  const mnemonic = typeName(q.type);
  const wanted: ZoneRecordType | 'ANY' | undefined = mnemonic === 'ANY' || ZONE_TYPES.has(mnemonic) ? (mnemonic as ZoneRecordType | 'ANY') : undefined;
  const seen = new Set<string>();
  let name = q.name;
  for (let hop = 0; ; hop++) {
    const found = lookupAny(zone, name, wanted);
    if (found.status === 'out-of-zone') break; // a CNAME left the zone: the client chases it (RFC 1034 §4.3.2 step 3c)
    if (found.status === 'nxdomain' || found.status === 'nodata') {
      if (found.status === 'nxdomain') response.rcode = RCODE.NXDOMAIN;
      const soa = zone.soa;
      response.authorities.push({ ...soa, ttl: Math.min(soa.ttl, soa.minimum) });
      break;
    }
    if (found.status === 'answer') {
      response.answers.push(...found.records);
      break;
    }
    response.answers.push(found.cname);
    seen.add(canonicalName(name));
    name = found.cname.target;
    if (hop + 1 >= MAX_CNAME_HOPS || seen.has(canonicalName(name))) break;
  }
  response.additionals.unshift(...additionalRecords(zone, response.answers.filter(isZoneRecord)));
  return response;
}

/** Zone.lookup, treating a type the zone cannot hold as "exists, no data" (or a CNAME to chase). */
function lookupAny(zone: Zone, name: string, wanted: ZoneRecordType | 'ANY' | undefined) {
  if (wanted) return zone.lookup(name, wanted);
  const any = zone.lookup(name, 'ANY');
  if (any.status !== 'answer') return any;
  const cname = any.records.find((r) => r.type === 'CNAME');
  return cname ? { status: 'cname' as const, cname } : { status: 'nodata' as const };
}

/** RFC 2782 / RFC 3403 §4.1 additional processing: SRV targets' addresses, NAPTR "S" targets' SRVs. */
export function additionalRecords(zone: Zone, answers: readonly ZoneRecord[]): ZoneRecord[] {
  const out: ZoneRecord[] = [];
  const present = new Set<ZoneRecord>(answers);
  const add = (records: readonly ZoneRecord[]) => {
    for (const r of records) {
      if (present.has(r)) continue;
      present.add(r);
      out.push(r);
    }
  };
  const addresses = (host: string) => {
    if (host === '' || !zone.contains(host)) return;
    for (const t of ['A', 'AAAA'] as const) {
      const res = zone.lookup(host, t);
      if (res.status === 'answer') add(res.records);
    }
  };
  const srvs = (owner: string) => {
    if (!zone.contains(owner)) return;
    const res = zone.lookup(owner, 'SRV');
    if (res.status !== 'answer') return;
    add(res.records);
    for (const r of res.records) if (r.type === 'SRV') addresses(r.target);
  };
  for (const r of answers) {
    if (r.type === 'SRV') addresses(r.target);
    else if (r.type === 'NAPTR' && /s/i.test(r.flags)) srvs(r.replacement);
    else if (r.type === 'NAPTR' && /a/i.test(r.flags)) addresses(r.replacement);
  }
  return out;
}

/**
 * Encode for UDP within `limit` bytes: first drop additional data (RFC 2181 §9 says that alone does not set
 * TC), then, if still too large, set TC and send the question only so the client retries over TCP
 * (RFC 1035 §4.2.1, RFC 7766 §5).
 */
export function encodeForUdp(response: DnsMessage, limit: number): Buffer {
  const full = encodeMessage(response);
  if (full.length <= limit) return full;
  const opt = response.additionals.filter((r) => r.type === 'OPT');
  const lean = encodeMessage({ ...response, additionals: opt });
  if (lean.length <= limit) return lean;
  return encodeMessage({ ...response, tc: true, answers: [], authorities: [], additionals: opt });
}
