/**
 * Authoritative DNS server on UDP and TCP at one address and port (RFC 1035 §4.2, RFC 7766). Every packet is
 * decoded by our strict codec inside try/catch: garbage is dropped, a readable header gets FORMERR, and no
 * input can crash the process. Answers come from `answerQuery` (responder.ts), pass through the fault table
 * (`server.faults`, dns-faults.ts) and, for a fault-free static zone, are reused from a cache of encoded
 * answers keyed by the query bytes (answer-cache.ts).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ConfigError, errorMessage, GwsimError, silentLogger, systemClock, type Clock, type Logger, type TimerHandle } from '@gwsim/common';
import { AnswerCache } from './answer-cache.ts';
import { DnsFaults, parseFaults, type DnsFaultView } from './dns-faults.ts';
import { applyFaults } from './fault-response.ts';
import { decodeMessage, encodeMessage, HEADER_LENGTH, peekHeader, type DnsMessage } from './message.ts';
import { answerQuery, CLASSIC_UDP_SIZE, encodeForUdp, formatError, udpLimit } from './responder.ts';
import { RCODE, rcodeName, typeName } from './rr.ts';
import { Zone } from './zone.ts';

export interface DnsServerOptions {
  /** IPv4 or IPv6 address to bind, e.g. 127.0.0.53. */
  address: string;
  /** Port for both UDP and TCP; 0 picks a free one (the same number on both). */
  port: number;
  zone: Zone;
  logger?: Logger;
  /** Idle TCP connections are closed after this many ms (RFC 7766 §6.2.3); default 10 000. */
  tcpIdleTimeoutMs?: number;
  /** Faults active from the start, as plain data (validated like `parseFaults`; see `DnsFaultSpec`). */
  faults?: unknown;
  /** Keep encoded answers of the static zone for reuse (bypassed while a fault is set); default true. */
  answerCache?: boolean;
  /** Drives `delay` faults; default the system clock. */
  clock?: Clock;
}

/** Plain snapshot returned by `dump()`. */
export interface DnsServerDump {
  address: string;
  port: number;
  closed: boolean;
  zone: { origin: string; serial: number; records: number };
  queries: {
    total: number;
    udp: number;
    tcp: number;
    /** Answered queries by question type mnemonic (SRV, A, ...). */
    byType: Record<string, number>;
    /** Responses by rcode mnemonic (NOERROR, NXDOMAIN, FORMERR, ...). */
    byRcode: Record<string, number>;
    /** Packets dropped without an answer (header unreadable, or not a query). */
    dropped: number;
    /** Queries left unanswered on purpose by a `timeout` or `every-nth` fault. */
    faultDropped: number;
    /** Answers served from the precomputed-answer cache. */
    cacheHits: number;
  };
  faults: DnsFaultView[];
  tcpConnections: number;
}

type Transport = 'udp' | 'tcp';
const PORT_ATTEMPTS = 20;
const MAX_TCP_MESSAGE = 0xffff;
const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

export class DnsServer {
  readonly address: string;
  readonly port: number;
  /** The zone served; replace it (or mutate it) at run time to change answers. */
  zone: Zone;
  /** The fault table: `server.faults.set({ name, type?, kind, … })`, `list()`, `clear()`. */
  readonly faults: DnsFaults;
  #udp: dgram.Socket;
  #tcp: net.Server;
  #log: Logger;
  #idleMs: number;
  #connections = new Set<net.Socket>();
  #closing: Promise<void> | undefined;
  #cache: AnswerCache | undefined;
  #clock: Clock;
  #delayed = new Set<TimerHandle>();
  #stats = { total: 0, udp: 0, tcp: 0, dropped: 0, faultDropped: 0, byType: {} as Record<string, number>, byRcode: {} as Record<string, number> };

  /** Bind UDP, then TCP on the port UDP got (retrying with a fresh port when that one is taken on TCP). */
  static async start(options: DnsServerOptions): Promise<DnsServer> {
    if (typeof options !== 'object' || options === null) throw new ConfigError('', 'expected DnsServer options');
    const { address, port } = options;
    if (typeof address !== 'string' || !net.isIP(address)) throw new ConfigError('address', `expected an IP address, got ${JSON.stringify(address)}`);
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new ConfigError('port', `expected an integer from 0 to 65535, got ${JSON.stringify(port)}`);
    if (!(options.zone instanceof Zone)) throw new ConfigError('zone', 'expected a Zone (see sipZone() and loadZoneFile())');
    const faults = options.faults === undefined ? [] : parseFaults(options.faults);
    for (let attempt = 1; ; attempt++) {
      // Large socket buffers ride out bursts of queries (the kernel caps them at net.core.rmem_max / wmem_max).
      const udp = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: UDP_BUFFER_BYTES, sendBufferSize: UDP_BUFFER_BYTES });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, address, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        throw bindError(address, port, 'udp', err);
      }
      const actual = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ port: actual, host: address, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (port === 0 && inUse && attempt < PORT_ATTEMPTS) {
          options.logger?.debug('DNS port taken on TCP, retrying with a new UDP port', { address, port: actual, attempt });
          continue;
        }
        throw bindError(address, actual, 'tcp', err);
      }
      const server = new DnsServer(options, udp, tcp, actual);
      for (const f of faults) server.faults.set(f);
      return server;
    }
  }

  private constructor(options: DnsServerOptions, udp: dgram.Socket, tcp: net.Server, port: number) {
    this.address = options.address;
    this.port = port;
    this.zone = options.zone;
    this.#udp = udp;
    this.#tcp = tcp;
    this.#log = options.logger ?? silentLogger;
    this.#idleMs = options.tcpIdleTimeoutMs ?? 10_000;
    this.#cache = options.answerCache === false ? undefined : new AnswerCache();
    this.#clock = options.clock ?? systemClock;
    this.faults = new DnsFaults(() => this.zone);
    udp.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    udp.on('error', (err) => this.#log.warn('DNS UDP socket error', { error: errorMessage(err) }));
    tcp.on('connection', (socket) => this.#onConnection(socket));
    tcp.on('error', (err) => this.#log.warn('DNS TCP listener error', { error: errorMessage(err) }));
    this.#log.info('DNS server listening', { address: this.address, port, transports: 'udp+tcp', zone: this.zone.origin });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Stop both listeners and drop open TCP connections. Idempotent: later calls return the same promise. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    for (const timer of this.#delayed) timer.cancel();
    this.#delayed.clear();
    for (const socket of this.#connections) socket.destroy();
    this.#connections.clear();
    const udpClosed = new Promise<void>((resolve) => this.#udp.close(() => resolve()));
    const tcpClosed = new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
    this.#closing = Promise.all([udpClosed, tcpClosed]).then(() => this.#log.info('DNS server closed', { address: this.address, port: this.port }));
    return this.#closing;
  }

  dump(): DnsServerDump {
    const s = this.#stats;
    return {
      address: this.address,
      port: this.port,
      closed: this.closed,
      zone: { origin: this.zone.origin, serial: this.zone.soa.serial, records: this.zone.size },
      queries: {
        total: s.total, udp: s.udp, tcp: s.tcp, byType: { ...s.byType }, byRcode: { ...s.byRcode },
        dropped: s.dropped, faultDropped: s.faultDropped, cacheHits: this.#cache?.hits ?? 0,
      },
      faults: this.faults.list(),
      tcpConnections: this.#connections.size,
    };
  }

  #onDatagram(packet: Buffer, rinfo: dgram.RemoteInfo): void {
    this.#respond(packet, 'udp', rinfo);
  }

  /**
   * Send one response to `peer`. UDP sends go without a callback, which lets Node try a synchronous send
   * (no request object, no completion callback); a failure surfaces as the socket's 'error' event.
   */
  #reply(out: Buffer, peer: dgram.RemoteInfo | net.Socket): void {
    if (peer instanceof net.Socket) {
      if (peer.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + out.length);
      frame.writeUInt16BE(out.length, 0);
      out.copy(frame, 2);
      peer.write(frame);
    } else if (!this.closed) {
      this.#udp.send(out, peer.port, peer.address);
    }
  }

  /** RFC 1035 §4.2.2 / RFC 7766 §6.2.1: two-byte length prefix, several queries per connection. */
  #onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.#connections.add(socket);
    socket.on('close', () => this.#connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.setTimeout(this.#idleMs, () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        if (!this.#respond(message, 'tcp', socket)) {
          socket.destroy(); // not a readable query: nothing sensible to say on this stream
          return;
        }
      }
    });
  }

  /**
   * Decode, answer and encode one message and send it to `peer` (now, or later under a `delay` fault).
   * Returns false when the packet was not a readable query. Never throws.
   */
  #respond(packet: Buffer, transport: Transport, peer: dgram.RemoteInfo | net.Socket): boolean {
    // Fast path, before any parsing: a query (QR = 0) whose exact bytes were answered before.
    const key = this.#cache && this.faults.size === 0 && packet.length >= HEADER_LENGTH && (packet[2]! & 0x80) === 0 ? AnswerCache.key(packet) : undefined;
    const hit = key === undefined ? undefined : this.#cache!.get(key, transport, this.zone);
    if (hit) {
      this.#stats.total++;
      this.#stats[transport]++;
      this.#count(this.#stats.byType, hit.qtype);
      this.#count(this.#stats.byRcode, hit.rcode);
      this.#reply(AnswerCache.withId(hit, packet.readUInt16BE(0)), peer);
      return true;
    }
    const header = peekHeader(packet);
    if (!header || header.qr) {
      this.#stats.dropped++;
      this.#log.debug('DNS packet dropped', { transport, bytes: packet.length, reason: header ? 'not a query' : 'short header' });
      return false;
    }
    this.#stats.total++;
    this.#stats[transport]++;
    let response: DnsMessage;
    let limit = CLASSIC_UDP_SIZE;
    let qtype: string | undefined;
    let delayMs = 0;
    let zone = this.zone;
    try {
      const query = decodeMessage(packet);
      limit = udpLimit(query);
      const q = query.questions[0];
      if (q) qtype = typeName(q.type);
      const decision = q && this.faults.size ? this.faults.decide(q.name, qtype!) : undefined;
      if (decision?.drop) {
        this.#stats.faultDropped++;
        if (qtype) this.#count(this.#stats.byType, qtype);
        this.#log.debug('DNS query dropped by a fault', { transport, name: q!.name, type: qtype });
        return true;
      }
      zone = decision?.staleZone ?? zone;
      response = answerQuery(zone, query);
      if (decision) {
        response = applyFaults(response, decision, this.faults, zone);
        delayMs = decision.delayMs;
      }
      if (qtype) this.#count(this.#stats.byType, qtype);
    } catch (err) {
      this.#log.debug('DNS query malformed, answering FORMERR', { transport, error: errorMessage(err) });
      response = formatError(header);
    }
    let out: Buffer;
    try {
      out = transport === 'udp' ? encodeForUdp(response, limit) : encodeForUdp(response, MAX_TCP_MESSAGE);
    } catch (err) {
      // A response we cannot encode is our bug, not the client's: say SERVFAIL rather than go silent.
      this.#log.error('DNS response could not be encoded', { error: errorMessage(err) });
      this.#count(this.#stats.byRcode, 'SERVFAIL');
      this.#reply(encodeMessage({ ...formatError(header), rcode: RCODE.SERVFAIL }), peer);
      return true;
    }
    const rcode = rcodeName(response.rcode);
    this.#count(this.#stats.byRcode, rcode);
    // Only fault-free answers to decodable queries from the live zone are kept.
    if (key !== undefined && qtype !== undefined && response.rcode !== RCODE.FORMERR && zone === this.zone) {
      this.#cache!.set(key, transport, zone, { wire: out, qtype, rcode });
    }
    if (delayMs > 0) {
      const timer = this.#clock.setTimeout(() => {
        this.#delayed.delete(timer);
        if (!this.closed) this.#reply(out, peer);
      }, delayMs);
      this.#delayed.add(timer);
    } else this.#reply(out, peer);
    return true;
  }

  #count(map: Record<string, number>, key: string): void {
    map[key] = (map[key] ?? 0) + 1;
  }
}

function bindError(address: string, port: number, transport: Transport, err: unknown): GwsimError {
  return new GwsimError('GWSIM_ERR_TRANSPORT', `cannot bind DNS server to ${address}:${port}/${transport}: ${errorMessage(err)}`, { cause: err });
}
