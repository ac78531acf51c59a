/**
 * The zone a Pexip-style deployment publishes for SIP (DOMAIN.md §4, RFC 3263 §4.1 / RFC 2782): one
 * `_sip._udp`, `_sip._tcp` and `_sips._tcp` SRV record per node, plus an A/AAAA record per node name, and
 * optionally NAPTR records at the domain that name the SRV services in order of preference.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '@gwsim/common';
import type { SipTransport } from './resolver.ts';
import { validateDomainName, validateInt, Zone, type RecordInput } from './zone.ts';

/** NAPTR order when `naptr: true`: TLS, then TCP, then UDP, as in the RFC 3263 §4.1 example. */
export const DEFAULT_NAPTR_TRANSPORTS: readonly SipTransport[] = Object.freeze(['tls', 'tcp', 'udp']);

/** RFC 3263 §4.1 service fields and the SRV name each one points at. */
const NAPTR_FOR: Record<SipTransport, { service: string; srv: string }> = {
  tls: { service: 'SIPS+D2T', srv: '_sips._tcp' },
  tcp: { service: 'SIP+D2T', srv: '_sip._tcp' },
  udp: { service: 'SIP+D2U', srv: '_sip._udp' },
};

export interface SipZoneNode {
  /** Host label (`px01`) or a full name inside the domain (`px01.vc.example.com`). */
  name: string;
  /** IPv4 or IPv6 address of the node. */
  address: string;
  /** Port for `_sip._udp` and `_sip._tcp`; default 5060. */
  sipPort?: number;
  /** Port for `_sips._tcp`; default 5061. */
  sipsPort?: number;
  /** Overrides the zone-wide SRV priority / weight for this node. */
  priority?: number;
  weight?: number;
}

export interface SipZoneOptions {
  domain: string;
  nodes: SipZoneNode[];
  /** TTL of every record (seconds); default DEFAULT_TTL. */
  ttl?: number;
  /** SRV priority; default 10 (DOMAIN.md §4). */
  priority?: number;
  /** SRV weight; default 10 (DOMAIN.md §4). */
  weight?: number;
  /**
   * Publish NAPTR records at `domain` (flags "S", RFC 3263 §4.1), one per transport in the given order of
   * preference (order 10, 20, 30, preference 10); `true` means DEFAULT_NAPTR_TRANSPORTS. Default: none.
   */
  naptr?: boolean | readonly SipTransport[];
}

/** Build the SIP zone for `domain`; input errors are ConfigErrors naming the field (`nodes[1].address`). */
export function sipZone(options: SipZoneOptions): Zone {
  if (typeof options !== 'object' || options === null) throw new ConfigError('', 'expected sipZone options');
  const domain = validateDomainName(options.domain, 'domain');
  if (!Array.isArray(options.nodes) || options.nodes.length === 0) throw new ConfigError('nodes', 'expected at least one node');
  const u16 = (v: unknown, path: string, min = 0) => validateInt(v, path, min, 0xffff);
  const priority = u16(options.priority ?? 10, 'priority');
  const weight = u16(options.weight ?? 10, 'weight');
  const records: RecordInput[] = [];
  const seen = new Set<string>();
  options.nodes.forEach((node, i) => {
    const path = `nodes[${i}]`;
    if (typeof node !== 'object' || node === null) throw new ConfigError(path, 'expected a node object');
    const label = validateDomainName(node.name, `${path}.name`);
    const host = label === domain || label.endsWith(`.${domain}`) ? label : `${label}.${domain}`;
    validateDomainName(host, `${path}.name`);
    if (seen.has(host)) throw new ConfigError(`${path}.name`, `duplicate node "${host}"`);
    seen.add(host);
    const addressType = isIPv4(node.address) ? 'A' : isIPv6(node.address) ? 'AAAA' : undefined;
    if (!addressType) throw new ConfigError(`${path}.address`, `"${String(node.address)}" is not an IPv4 or IPv6 address`);
    const sipPort = u16(node.sipPort ?? 5060, `${path}.sipPort`, 1);
    const sipsPort = u16(node.sipsPort ?? 5061, `${path}.sipsPort`, 1);
    const srv = {
      priority: u16(node.priority ?? priority, `${path}.priority`),
      weight: u16(node.weight ?? weight, `${path}.weight`),
      target: host,
      ttl: options.ttl,
    };
    records.push(
      { name: `_sip._udp.${domain}`, type: 'SRV', port: sipPort, ...srv },
      { name: `_sip._tcp.${domain}`, type: 'SRV', port: sipPort, ...srv },
      { name: `_sips._tcp.${domain}`, type: 'SRV', port: sipsPort, ...srv },
      { name: host, type: addressType, address: node.address, ttl: options.ttl },
    );
  });
  const naptr = options.naptr === true ? DEFAULT_NAPTR_TRANSPORTS : options.naptr === false || options.naptr === undefined ? [] : options.naptr;
  if (!Array.isArray(naptr)) throw new ConfigError('naptr', 'expected true, false or a list of transports (udp, tcp, tls)');
  naptr.forEach((t: unknown, i) => {
    if (t !== 'udp' && t !== 'tcp' && t !== 'tls') throw new ConfigError(`naptr[${i}]`, `expected udp, tcp or tls, got ${JSON.stringify(t)}`);
    if (naptr.indexOf(t) !== i) throw new ConfigError(`naptr[${i}]`, `"${t}" is listed twice`);
    const { service, srv } = NAPTR_FOR[t];
    records.push({ name: domain, type: 'NAPTR', order: (i + 1) * 10, preference: 10, flags: 'S', service, regexp: '', replacement: `${srv}.${domain}`, ttl: options.ttl });
  });
  return new Zone({ origin: domain, ttl: options.ttl, records });
}
