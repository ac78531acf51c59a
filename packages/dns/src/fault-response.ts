/**
 * Applying a fault decision to an answer (pure): rcode replacement, SRV target / address rewrites, TTL
 * override, and the treatment of additional data whose own RRset is under a fault. See `DnsFaultSpec`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { DnsFaults, FaultDecision, GlueRewrite } from './dns-faults.ts';
import type { DnsMessage } from './message.ts';
import { additionalRecords } from './responder.ts';
import { canonicalName, isZoneRecord, RCODE, type WireRecord } from './rr.ts';
import type { Zone } from './zone.ts';

/** Return `response` changed as `decision` says; `zone` is the one the answer came from. */
export function applyFaults(response: DnsMessage, decision: FaultDecision, faults: DnsFaults, zone: Zone): DnsMessage {
  const opt = response.additionals.filter((r) => r.type === 'OPT');
  let out: DnsMessage = response;
  if (decision.rcode === 'nxdomain') {
    const soa = zone.soa;
    out = { ...response, aa: true, rcode: RCODE.NXDOMAIN, answers: [], authorities: [{ ...soa, ttl: Math.min(soa.ttl, soa.minimum) }], additionals: opt };
  } else if (decision.rcode) {
    out = { ...response, aa: false, rcode: decision.rcode === 'servfail' ? RCODE.SERVFAIL : RCODE.REFUSED, answers: [], authorities: [], additionals: opt };
  }
  let retargeted = false;
  for (const rw of decision.rewrites) {
    if (rw.kind === 'ttl') {
      out = { ...out, answers: out.answers.map((r) => withTtl(r, rw.ttl)), authorities: out.authorities.map((r) => withTtl(r, rw.ttl)) };
    } else {
      out = { ...out, answers: out.answers.map((r) => retarget(r, rw)) };
      retargeted ||= rw.target !== undefined;
    }
  }
  if (retargeted) {
    // The glue must follow the new SRV targets: the old targets' addresses go, the new ones' (if in zone) come.
    out = { ...out, additionals: [...additionalRecords(zone, out.answers.filter(isZoneRecord)), ...opt] };
  }
  if (out.additionals.length > opt.length) {
    const additionals: WireRecord[] = [];
    for (const r of out.additionals) {
      if (!isZoneRecord(r)) {
        additionals.push(r);
        continue;
      }
      const glue = faults.glue(r.name, r.type);
      if (glue === 'omit') continue;
      additionals.push(glue === 'keep' ? r : rewriteGlue(r, glue));
    }
    out = { ...out, additionals };
  }
  return out;
}

function rewriteGlue(record: WireRecord, rewrites: GlueRewrite[]): WireRecord {
  let r = record;
  for (const rw of rewrites) r = rw.kind === 'ttl' ? withTtl(r, rw.ttl) : retarget(r, rw);
  return r;
}

function withTtl(r: WireRecord, ttl: number): WireRecord {
  return r.type === 'OPT' ? r : { ...r, ttl };
}

/** wrong-target: SRV gets `target`/`port`, A gets an IPv4 `address`, AAAA an IPv6 one; others are unchanged. */
function retarget(r: WireRecord, rw: { target?: string; address?: string; port?: number }): WireRecord {
  if (r.type === 'SRV') return { ...r, target: rw.target === undefined ? r.target : canonicalName(rw.target), port: rw.port ?? r.port };
  if (r.type === 'A' && rw.address !== undefined && isIPv4(rw.address)) return { ...r, address: rw.address };
  if (r.type === 'AAAA' && rw.address !== undefined && isIPv6(rw.address)) return { ...r, address: rw.address.toLowerCase() };
  return r;
}
