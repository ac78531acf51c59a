/**
 * An external target: a real gateway (or a `gwsim up` topology, or a plain SIPp) given by address. Only what
 * can be seen from outside is available — SIP answers and BYE Reasons, media at the caller, DNS through the
 * given server — plus what the user vouches for (marked media, REGISTER accepted). The meeting IDs to dial
 * are given per label; a case whose label was not given is not applicable.
 */
import { isIP } from 'node:net';
import { ConfigError, silentLogger, type Logger } from '@gwsim/common';
import type { SipZoneNode } from '@gwsim/dns';
import { Vtc } from '@gwsim/endpoint';
import type { MeetService } from '@gwsim/meet';
import type { CallSnapshot } from '@gwsim/node';
import type { TlsCredentials } from '@gwsim/sip';
import type { ConformanceTarget } from './context.ts';
import { UNKNOWN_MEETING_ID } from './embedded.ts';
import { CaseFailure } from './expect.ts';
import type { Capability, Caller, DialTarget, Timing } from './types.ts';

export interface ExternalTargetOptions {
  /** Where `<id>@<ip>` calls go: the gateway node's SIP address. */
  sip: { address: string; port?: number; transport?: 'udp' | 'tcp' | 'tls' };
  /** DNS server the dial domain resolves through (enables the `dns` capability with `domain`). */
  dns?: { address: string; port?: number };
  /** The gateway hostname (dial domain), e.g. vc.example.com. */
  domain?: string;
  /** Meeting label → 13-digit meeting ID (labels: docs/conformance.md). `unknown` defaults to 9999999999999. */
  meetings?: Record<string, string>;
  /** Dial string of a Virtual Reception, e.g. `meet@192.0.2.10`. */
  reception?: string;
  /** The gateway marks its media as gwsim nodes do (lobby / meeting frames). */
  markedMedia?: boolean;
  /** The gateway accepts REGISTER from the suite's caller without authentication. */
  register?: boolean;
  /** Our own address for SIP and RTP (default 127.0.0.1 for a loopback target). */
  localAddress?: string;
  /** The target's Meet knock timeout (default 300 s, DOMAIN.md §2). */
  knockTimeoutMs?: number;
  /** TLS trust for sips: and transport=tls. */
  tls?: TlsCredentials;
  logger?: Logger;
}

const LABEL = /^[a-z][a-z0-9-]{0,63}$/;
const MEETING_ID = /^\d{4,13}$/;

/** Validate options; errors name the option and what is allowed. */
function check(o: ExternalTargetOptions): void {
  if (!isIP(o.sip?.address ?? '')) throw new ConfigError('target.sip.address', `must be an IP address, got ${JSON.stringify(o.sip?.address)}`);
  if (o.sip.port !== undefined && !(Number.isInteger(o.sip.port) && o.sip.port >= 1 && o.sip.port <= 65535)) throw new ConfigError('target.sip.port', 'must be a port number 1-65535');
  if (o.sip.transport !== undefined && !['udp', 'tcp', 'tls'].includes(o.sip.transport)) throw new ConfigError('target.sip.transport', 'must be udp, tcp or tls');
  if (o.dns && !isIP(o.dns.address)) throw new ConfigError('target.dns.address', `must be an IP address, got ${JSON.stringify(o.dns.address)}`);
  if (o.dns && !o.domain) throw new ConfigError('target.domain', 'give the dial domain (gateway hostname) the DNS server answers for');
  if (o.localAddress !== undefined && !isIP(o.localAddress)) throw new ConfigError('target.localAddress', `must be an IP address, got ${JSON.stringify(o.localAddress)}`);
  if (o.localAddress === undefined && !o.sip.address.startsWith('127.')) throw new ConfigError('target.localAddress', 'give our own address facing the target (the default, 127.0.0.1, only reaches loopback targets)');
  for (const [label, id] of Object.entries(o.meetings ?? {})) {
    if (!LABEL.test(label)) throw new ConfigError(`target.meetings.${label}`, 'a label is lower-case letters, digits and -, starting with a letter');
    if (!MEETING_ID.test(id)) throw new ConfigError(`target.meetings.${label}`, `must be a meeting ID of 4-13 digits, got ${JSON.stringify(id)}`);
  }
  if (o.knockTimeoutMs !== undefined && !(Number.isInteger(o.knockTimeoutMs) && o.knockTimeoutMs > 0 && o.knockTimeoutMs <= 3_600_000)) {
    throw new ConfigError('target.knockTimeoutMs', 'must be a whole number of milliseconds, 1 to 3600000');
  }
}

export class ExternalTarget implements ConformanceTarget {
  readonly kind = 'external' as const;
  readonly capabilities: ReadonlySet<Capability>;
  readonly timing: Timing;
  readonly domain: string | null;
  readonly dnsServer: { address: string; port: number } | null;
  readonly breakages: readonly string[] = [];
  readonly tls: TlsCredentials | undefined;
  readonly #o: ExternalTargetOptions;
  readonly #meetings: Map<string, string>;
  readonly #local: string;
  readonly #callers: { registered: Caller; unregistered: Caller };
  readonly #registration: { status: number; reason: string } | null;

  private constructor(o: ExternalTargetOptions, callers: { registered: Caller; unregistered: Caller }, registration: { status: number; reason: string } | null) {
    this.#o = o;
    this.tls = o.tls;
    this.#local = o.localAddress ?? '127.0.0.1';
    this.#callers = callers;
    this.#registration = registration;
    this.domain = o.domain ?? null;
    this.dnsServer = o.dns ? { address: o.dns.address, port: o.dns.port ?? 53 } : null;
    this.#meetings = new Map(Object.entries({ unknown: UNKNOWN_MEETING_ID, ...o.meetings }));
    const caps: Capability[] = ['sip', 'media'];
    if (o.markedMedia) caps.push('marked-media');
    if (o.register) caps.push('registration');
    if (this.dnsServer && this.domain) caps.push('dns');
    this.capabilities = new Set(caps);
    this.timing = { holdMs: 2000, admitWithinMs: 15_000, knockTimeoutMs: o.knockTimeoutMs ?? 300_000, byeWithinMs: 5000 };
  }

  /** Validate, open the two callers and (with `register`) REGISTER one of them. */
  static async start(options: ExternalTargetOptions): Promise<ExternalTarget> {
    check(options);
    const local = options.localAddress ?? '127.0.0.1';
    const domain = options.domain ?? options.sip.address;
    const dns = options.dns ? [{ address: options.dns.address, port: options.dns.port ?? 53 }] : [{ address: local, port: 53 }];
    const transport = options.sip.transport ?? 'udp';
    const logger = options.logger ?? silentLogger;
    const opened: Vtc[] = [];
    try {
      const open = async (name: string, displayName: string, registered: boolean): Promise<Caller> => {
        const vtc = await Vtc.start({ name, displayName, domain, address: local, transport, dns, tls: options.tls, logger });
        opened.push(vtc);
        return { name, displayName, vtc, address: local, registered };
      };
      const registered = await open('conformance-room', 'Conformance Room', true);
      const unregistered = await open('conformance-guest', 'Conformance Guest', false);
      let registration: { status: number; reason: string } | null = null;
      if (options.register) {
        const r = await registered.vtc.register(hostPort(options.sip.address, options.sip.port, transport));
        registration = { status: r.status, reason: r.reason };
      }
      return new ExternalTarget(options, { registered, unregistered }, registration);
    } catch (err) {
      await Promise.all(opened.map((v) => v.close()));
      throw err;
    }
  }

  describe(): string {
    const o = this.#o;
    const parts = [`SIP ${o.sip.transport ?? 'udp'}:${hostPort(o.sip.address, o.sip.port, o.sip.transport ?? 'udp')}`];
    if (this.dnsServer) parts.push(`DNS ${this.dnsServer.address}:${this.dnsServer.port} for ${this.domain}`);
    parts.push(`meetings ${[...this.#meetings].map(([l, id]) => `${l}=${id}`).join(', ')}`);
    if (o.reception) parts.push(`Virtual Reception ${o.reception}`);
    return `external target: ${parts.join('; ')}`;
  }

  targetMissing(label: string): string | null {
    return this.#meetings.has(label) ? null : `no meeting ID was given for "${label}" (--meeting ${label}=<meeting id>)`;
  }

  dialTarget(label: string): DialTarget {
    const id = this.#meetings.get(label);
    if (!id) throw new Error(this.targetMissing(label)!);
    const domain = this.domain;
    return { label, meetingId: id, byIp: `${id}@${this.#ipPart()}`, byHost: (scheme = 'sip') => (domain ? `${scheme}:${id}@${domain}` : null) };
  }

  /** `192.0.2.10[:5070][;transport=tcp]` */
  #ipPart(): string {
    const t = this.#o.sip.transport ?? 'udp';
    return `${hostPort(this.#o.sip.address, this.#o.sip.port, t)}${t === 'udp' ? '' : `;transport=${t}`}`;
  }

  noMatch(): string {
    return `alice@${this.#ipPart()}`;
  }

  reception(): string | null {
    return this.#o.reception ?? null;
  }

  caller(kind: 'registered' | 'unregistered'): Caller {
    const reg = this.#registration;
    if (kind === 'registered' && reg && reg.status !== 200) throw new CaseFailure('the caller\'s REGISTER accepted (200 OK)', `${reg.status} ${reg.reason}`);
    return this.#callers[kind];
  }

  meet(): MeetService {
    throw new Error('an external target offers no Meet control');
  }

  nodeCall(): CallSnapshot | undefined {
    throw new Error("an external target offers no node's call records");
  }

  liveNodes(): SipZoneNode[] {
    throw new Error('an external target offers no topology control');
  }

  deadAddress(): string {
    throw new Error('an external target offers no topology control');
  }

  scratchAddresses(): { dns: string; caller: string } {
    return { dns: this.#local, caller: this.#local };
  }

  async close(): Promise<void> {
    await Promise.all([this.#callers.registered.vtc.close(), this.#callers.unregistered.vtc.close()]);
  }
}

/** `address` or `address:port` (the port left out when it is the transport's default). */
function hostPort(address: string, port: number | undefined, transport: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  const def = transport === 'tls' ? 5061 : 5060;
  return port === undefined || port === def ? host : `${host}:${port}`;
}
