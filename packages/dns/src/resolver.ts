/**
 * Locating SIP servers, RFC 3263 §4: numeric IP → no DNS; explicit port → A/AAAA; a transport parameter →
 * that transport's SRV; otherwise NAPTR (§4.1) picks the most preferred service the client supports, then its
 * SRV records ordered per RFC 2782; without usable NAPTR records, SRV for each supported transport; then
 * A/AAAA on the default port. The result is the ordered list a client walks on failure (RFC 3263 §4.3).
 */
import net from 'node:net';
import { ConfigError, errorMessage, GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { DnsClient, type DnsAnswer, type DnsClientDump, type DnsClientOptions } from './dns-client.ts';
import { DnsError } from './dns-error.ts';
import { sameName } from './message.ts';
import { canonicalName, RCODE, RR_TYPE, type NaptrRecord, type SrvRecord, type WireRecord } from './rr.ts';
import { orderSrv } from './srv-order.ts';

export type SipTransport = 'udp' | 'tcp' | 'tls';

/** One place to send a request, in the order to try them. */
export interface SipTarget {
  /** The name the address belongs to (SRV target or the URI host). */
  host: string;
  address: string;
  port: number;
  transport: SipTransport;
  /** SRV priority and weight; 0 when no SRV record was involved. */
  priority: number;
  weight: number;
  /** How it was found: numeric host, A/AAAA only, SRV, or NAPTR → SRV. */
  source: 'ip' | 'a' | 'srv' | 'naptr';
}

/** What to resolve: the host part of a SIP or SIPS URI and its parameters. */
export interface SipResolveRequest {
  host: string;
  port?: number;
  transport?: SipTransport;
  /** A sips: URI (RFC 3261 §26.2); implies TLS. */
  secure?: boolean;
  /** Overrides the resolver's `transports` for this lookup. */
  transports?: readonly SipTransport[];
}

export interface SipResolverOptions extends DnsClientOptions {
  /** Uniform [0, 1) source for the RFC 2782 weighted choice; inject a seeded one in tests. */
  random?: () => number;
  /**
   * Transports this client can use (RFC 3263 §4.1: NAPTR services and SRV fallbacks for others are skipped);
   * default udp, tcp, tls.
   */
  transports?: readonly SipTransport[];
  /** Do the NAPTR step when the URI gives neither transport nor port; default true. */
  naptr?: boolean;
}

/** RFC 3263 §4.1 / RFC 3261 §26 NAPTR service fields and their transports. */
export const NAPTR_SERVICES: Readonly<Record<string, SipTransport>> = Object.freeze({ 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' });

/** RFC 3261 §19.1.2 default ports. */
export function defaultSipPort(transport: SipTransport): number {
  return transport === 'tls' ? 5061 : 5060;
}

const TRANSPORTS = new Set<SipTransport>(['udp', 'tcp', 'tls']);

export class SipResolver {
  readonly client: DnsClient;
  readonly transports: readonly SipTransport[];
  readonly naptr: boolean;
  #random: () => number;
  #log: Logger;

  constructor(options: SipResolverOptions) {
    this.client = new DnsClient(options);
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
    this.transports = validateTransports(options.transports, 'transports') ?? ['udp', 'tcp', 'tls'];
    this.naptr = options.naptr ?? true;
  }

  /** Ordered targets for `target`; throws DnsError ('GWSIM_ERR_DNS') when none can be found. */
  async resolve(target: SipResolveRequest): Promise<SipTarget[]> {
    const { host, port, secure } = validate(target);
    const transport: SipTransport | undefined = secure ? 'tls' : target.transport;
    const supported = validateTransports(target.transports, 'target.transports') ?? this.transports;

    if (net.isIP(host)) {
      // RFC 3263 §4.1/§4.2: no transport given → UDP for sip:, TLS for sips:; port defaults per transport.
      const t = transport ?? 'udp';
      return [{ host, address: host, port: port ?? defaultSipPort(t), transport: t, priority: 0, weight: 0, source: 'ip' }];
    }
    if (port !== undefined) {
      const t = transport ?? 'udp';
      return (await this.#addresses(host)).map((address) => ({ host, address, port, transport: t, priority: 0, weight: 0, source: 'a' }));
    }
    if (target.transport === undefined && this.naptr) {
      const found = await this.#viaNaptr(host, secure, supported);
      if (found) return found;
    }

    // RFC 3263 §4.1: no (usable) NAPTR records → SRV queries for the transports the client supports.
    const services: Array<[string, SipTransport]> = secure
      ? [['_sips._tcp', 'tls']]
      : transport
        ? [[transport === 'udp' ? '_sip._udp' : '_sip._tcp', transport]]
        : ([['_sip._udp', 'udp'], ['_sip._tcp', 'tcp']] as Array<[string, SipTransport]>).filter(([, t]) => supported.includes(t));
    let unavailable: string | undefined;
    for (const [service, t] of services) {
      const name = `${service}.${host}`;
      const answer = await this.client.query(name, RR_TYPE.SRV);
      const srvs = answer.message.answers.filter((r): r is SrvRecord => r.type === 'SRV');
      if (srvs.length === 0) continue;
      const usable = srvs.filter((r) => r.target !== '');
      if (usable.length === 0) {
        unavailable = name; // RFC 2782: target "." means decidedly not available
        continue;
      }
      return this.#srvTargets(orderSrv(usable, this.#random), answer.message.additionals, answer.server, t, name, 'srv');
    }
    if (unavailable) {
      throw new DnsError('unavailable', unavailable, 'SRV', `SIP service ${unavailable} is declared not available (SRV target ".")`);
    }
    // RFC 3263 §4.2: no SRV records → A/AAAA for the host on the transport's default port.
    const t = transport ?? (supported.includes('udp') || !supported.includes('tcp') ? 'udp' : 'tcp');
    return (await this.#addresses(host)).map((address) => ({ host, address, port: defaultSipPort(t), transport: t, priority: 0, weight: 0, source: 'a' }));
  }

  /**
   * RFC 3263 §4.1 with RFC 3403: NAPTR records for `host` with flag "S" and a SIP service the client supports
   * (only SIPS+ ones for a sips: URI), by order then preference; the first whose SRV name has usable records
   * gives the targets. Undefined when there is no such record (the caller falls back to SRV); a NAPTR query
   * that times out or fails on the server counts as "no NAPTR records".
   */
  async #viaNaptr(host: string, secure: boolean, supported: readonly SipTransport[]): Promise<SipTarget[] | undefined> {
    let answer: DnsAnswer;
    try {
      answer = await this.client.query(host, RR_TYPE.NAPTR);
    } catch (err) {
      if (!(err instanceof DnsError)) throw err;
      this.#log.debug('NAPTR lookup failed, falling back to SRV', { host, error: errorMessage(err) });
      return undefined;
    }
    const candidates = answer.message.answers
      .filter((r): r is NaptrRecord => r.type === 'NAPTR' && /^s$/i.test(r.flags))
      .map((r) => ({ record: r, transport: NAPTR_SERVICES[r.service.toUpperCase()] }))
      .filter((c): c is { record: NaptrRecord; transport: SipTransport } => c.transport !== undefined && supported.includes(c.transport) && (!secure || c.transport === 'tls'))
      .sort((a, b) => a.record.order - b.record.order || a.record.preference - b.record.preference);
    for (const { record, transport } of candidates) {
      const name = record.replacement;
      let srvs = answer.message.answers.length ? answer.message.additionals.filter((r): r is SrvRecord => r.type === 'SRV' && sameName(r.name, name)) : [];
      let glue = answer.message.additionals;
      let server = answer.server;
      if (srvs.length === 0) {
        try {
          const srvAnswer = await this.client.query(name, RR_TYPE.SRV);
          srvs = srvAnswer.message.answers.filter((r): r is SrvRecord => r.type === 'SRV');
          glue = srvAnswer.message.additionals;
          server = srvAnswer.server;
        } catch (err) {
          if (!(err instanceof DnsError)) throw err;
          this.#log.debug('SRV lookup for a NAPTR record failed, trying the next one', { naptr: record.service, srv: name, error: errorMessage(err) });
          continue;
        }
      }
      const usable = srvs.filter((r) => r.target !== '');
      if (usable.length === 0) continue;
      try {
        return await this.#srvTargets(orderSrv(usable, this.#random), glue, server, transport, name, 'naptr');
      } catch (err) {
        if (!(err instanceof DnsError)) throw err;
        this.#log.debug('no SRV target of a NAPTR record has an address, trying the next one', { srv: canonicalName(name), error: errorMessage(err) });
      }
    }
    return undefined;
  }

  dump(): DnsClientDump {
    return this.client.dump();
  }

  /**
   * Addresses for each SRV record in order: from the additional section when present, else A/AAAA queries.
   * A target whose lookup fails is skipped (RFC 3263 §4.3: try the next one); if none is usable, the last
   * failure is reported.
   */
  async #srvTargets(ordered: SrvRecord[], glue: readonly WireRecord[], server: string, transport: SipTransport, name: string, source: 'srv' | 'naptr'): Promise<SipTarget[]> {
    const out: SipTarget[] = [];
    let lastError: DnsError | undefined;
    for (const srv of ordered) {
      let addresses = addressesIn(glue, srv.target);
      if (addresses.length === 0) {
        try {
          addresses = await this.#addresses(srv.target);
        } catch (err) {
          if (!(err instanceof DnsError)) throw err;
          lastError = err;
          this.#log.debug('SRV target has no usable address, skipping it', { target: srv.target, error: errorMessage(err) });
          continue;
        }
      }
      for (const address of addresses) {
        out.push({ host: srv.target, address, port: srv.port, transport, priority: srv.priority, weight: srv.weight, source });
      }
    }
    if (out.length === 0) {
      const why = lastError ? `: last error: ${lastError.message}` : '';
      throw new DnsError(lastError?.reason ?? 'nodata', name, 'SRV', `no SRV target of ${name} has a usable A or AAAA record (server ${server})${why}`, { cause: lastError });
    }
    return out;
  }

  /** A then AAAA addresses of `host` (RFC 3263 §4.2); one family failing is tolerated if the other answers. */
  async #addresses(host: string): Promise<string[]> {
    const [a, aaaa] = await Promise.allSettled([this.client.query(host, RR_TYPE.A), this.client.query(host, RR_TYPE.AAAA)]);
    if (a.status === 'fulfilled' && a.value.message.rcode === RCODE.NXDOMAIN) {
      throw new DnsError('nxdomain', host, 'A', `NXDOMAIN for name ${host} (server ${a.value.server})`);
    }
    const found = [a, aaaa].flatMap((r) => (r.status === 'fulfilled' ? addressRecords(r.value.message.answers) : []));
    if (found.length) return found;
    const failed = [a, aaaa].find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const server = a.status === 'fulfilled' ? a.value.server : '';
    throw new DnsError('nodata', host, 'A', `no A or AAAA records for name ${host} (server ${server})`);
  }
}

function validateTransports(list: readonly SipTransport[] | undefined, path: string): readonly SipTransport[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(path, 'expected a non-empty list of udp, tcp, tls');
  list.forEach((t, i) => {
    if (!TRANSPORTS.has(t)) throw new ConfigError(`${path}[${i}]`, `expected udp, tcp or tls, got ${JSON.stringify(t)}`);
  });
  return Object.freeze([...list]);
}

function validate(target: SipResolveRequest): { host: string; port: number | undefined; secure: boolean } {
  if (typeof target !== 'object' || target === null) throw new ConfigError('target', 'expected { host, port?, transport?, secure? }');
  if (typeof target.host !== 'string' || target.host.trim() === '') throw new ConfigError('target.host', 'expected a host name or IP address');
  const host = target.host.startsWith('[') && target.host.endsWith(']') ? target.host.slice(1, -1) : target.host.replace(/\.$/, '');
  if (target.port !== undefined && (!Number.isInteger(target.port) || target.port < 1 || target.port > 0xffff)) {
    throw new ConfigError('target.port', `expected an integer from 1 to 65535, got ${JSON.stringify(target.port)}`);
  }
  if (target.transport !== undefined && !TRANSPORTS.has(target.transport)) {
    throw new ConfigError('target.transport', `expected udp, tcp or tls, got ${JSON.stringify(target.transport)}`);
  }
  const secure = target.secure === true || target.transport === 'tls';
  if (secure && target.transport === 'udp') {
    throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', 'a sips: target cannot use UDP (RFC 3261 §26.2.2: SIPS needs TLS over a reliable transport)');
  }
  return { host, port: target.port, secure };
}

/** Address records for `name` in a section (glue from the additional section, RFC 2782). */
function addressesIn(records: readonly WireRecord[], name: string): string[] {
  const out: string[] = [];
  for (const r of records) if ((r.type === 'A' || r.type === 'AAAA') && sameName(r.name, name)) out.push(r.address);
  return out;
}

/** Addresses in an answer section, whatever CNAME chain led to them. */
function addressRecords(records: readonly WireRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) if (r.type === 'A' || r.type === 'AAAA') out.push(r.address);
  return out;
}
