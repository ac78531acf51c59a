/** @gwsim/dns: authoritative DNS for the simulated deployment and the RFC 3263 resolver SIP uses. */
export * from './rr.ts';
export { DnsError, DnsParseError, type DnsFailure } from './dns-error.ts';
export { decodeMessage, encodeMessage, emptyMessage, peekHeader, type DnsHeader, type DnsMessage, type DnsQuestion } from './message.ts';
export { DEFAULT_TTL, Zone, type LookupResult, type RecordInput, type SoaFields, type ZoneOptions } from './zone.ts';
export { loadZoneFile, parseZoneFile, ZoneFileError, type ZoneFileOptions } from './zone-file.ts';
export { DEFAULT_NAPTR_TRANSPORTS, sipZone, type SipZoneNode, type SipZoneOptions } from './sip-zone.ts';
export { answerQuery, encodeForUdp, EDNS_UDP_SIZE } from './responder.ts';
export {
  DNS_FAULT_KINDS, DNS_FAULT_TYPES, dnsFaultSchema, dnsFaultsSchema, DnsFaults, parseFaults,
  type DnsFaultKind, type DnsFaultSpec, type DnsFaultType, type DnsFaultView,
} from './dns-faults.ts';
export { DnsServer, type DnsServerDump, type DnsServerOptions } from './dns-server.ts';
export { DnsClient, type DnsAnswer, type DnsClientDump, type DnsClientOptions, type DnsServerAddress } from './dns-client.ts';
export { orderSrv, type Weighted } from './srv-order.ts';
export {
  defaultSipPort, NAPTR_SERVICES, SipResolver,
  type SipResolveRequest, type SipResolverOptions, type SipTarget, type SipTransport,
} from './resolver.ts';
