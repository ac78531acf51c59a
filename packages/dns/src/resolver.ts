/**
 * Locating SIP servers, RFC 3263 §4 (without the NAPTR step): numeric IP → no DNS; explicit port → A/AAAA;
 * otherwise SRV ordered per RFC 2782, then A/AAAA on the default port. The result is the ordered list a
 * client walks on failure (RFC 3263 §4.3).
 */
import net from 'node:net';
import { ConfigError, errorMessage, GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { DnsClient, type DnsAnswer, type DnsClientDump, type DnsClientOptions } from './dns-client.ts';
import { DnsError } from './dns-error.ts';
import { sameName } from './message.ts';
import { RCODE, RR_TYPE, type SrvRecord, type WireRecord } from './rr.ts';
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
  source: 'ip' | 'a' | 'srv';
}

/** What to resolve: the host part of a SIP or SIPS URI and its parameters. */
export interface SipResolveRequest {
  host: string;
  port?: number;
  transport?: SipTransport;
  /** A sips: URI (RFC 3261 §26.2); implies TLS. */
  secure?: boolean;
}

export interface SipResolverOptions extends DnsClientOptions {
  /** Uniform [0, 1) source for the RFC 2782 weighted choice; inject a seeded one in tests. */
  random?: () => number;
}

/** RFC 3261 §19.1.2 default ports. */
export function defaultSipPort(transport: SipTransport): number {
  return transport === 'tls' ? 5061 : 5060;
}

const TRANSPORTS = new Set<SipTransport>(['udp', 'tcp', 'tls']);

export class SipResolver {
  readonly client: DnsClient;
  #random: () => number;
  #log: Logger;

  constructor(options: SipResolverOptions) {
    this.client = new DnsClient(options);
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
  }

  /** Ordered targets for `target`; throws DnsError ('GWSIM_ERR_DNS') when none can be found. */
  async resolve(target: SipResolveRequest): Promise<SipTarget[]> {
    const { host, port, secure } = validate(target);
    const transport: SipTransport | undefined = secure ? 'tls' : target.transport;

    if (net.isIP(host)) {
      // RFC 3263 §4.1/§4.2: no transport given → UDP for sip:, TLS for sips:; port defaults per transport.
      const t = transport ?? 'udp';
      return [{ host, address: host, port: port ?? defaultSipPort(t), transport: t, priority: 0, weight: 0, source: 'ip' }];
    }
    if (port !== undefined) {
      const t = transport ?? 'udp';
      return (await this.#addresses(host)).map((address) => ({ host, address, port, transport: t, priority: 0, weight: 0, source: 'a' }));
    }

    const services: Array<[string, SipTransport]> = secure
      ? [['_sips._tcp', 'tls']]
      : transport === 'udp'
        ? [['_sip._udp', 'udp']]
        : transport === 'tcp'
          ? [['_sip._tcp', 'tcp']]
          : [['_sip._udp', 'udp'], ['_sip._tcp', 'tcp']];
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
      return this.#srvTargets(orderSrv(usable, this.#random), answer, t, name);
    }
    if (unavailable) {
      throw new DnsError('unavailable', unavailable, 'SRV', `SIP service ${unavailable} is declared not available (SRV target ".")`);
    }
    // RFC 3263 §4.2: no SRV records → A/AAAA for the host on the transport's default port.
    const t = transport ?? 'udp';
    return (await this.#addresses(host)).map((address) => ({ host, address, port: defaultSipPort(t), transport: t, priority: 0, weight: 0, source: 'a' }));
  }

  dump(): DnsClientDump {
    return this.client.dump();
  }

  /**
   * Addresses for each SRV record in order: from the additional section when present, else A/AAAA queries.
   * A target whose lookup fails is skipped (RFC 3263 §4.3: try the next one); if none is usable, the last
   * failure is reported.
   */
  async #srvTargets(ordered: SrvRecord[], answer: DnsAnswer, transport: SipTransport, name: string): Promise<SipTarget[]> {
    const out: SipTarget[] = [];
    let lastError: DnsError | undefined;
    for (const srv of ordered) {
      let addresses = addressesIn(answer.message.additionals, srv.target);
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
        out.push({ host: srv.target, address, port: srv.port, transport, priority: srv.priority, weight: srv.weight, source: 'srv' });
      }
    }
    if (out.length === 0) {
      const why = lastError ? `: last error: ${lastError.message}` : '';
      throw new DnsError(lastError?.reason ?? 'nodata', name, 'SRV', `no SRV target of ${name} has a usable A or AAAA record (server ${answer.server})${why}`, { cause: lastError });
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
