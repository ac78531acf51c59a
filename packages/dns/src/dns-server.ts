/**
 * Authoritative DNS server on UDP and TCP at one address and port (RFC 1035 §4.2, RFC 7766). Every packet is
 * decoded by our strict codec inside try/catch: garbage is dropped, a readable header gets FORMERR, and no
 * input can crash the process. Answers come from `answerQuery` (responder.ts).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ConfigError, errorMessage, GwsimError, silentLogger, type Logger } from '@gwsim/common';
import { decodeMessage, encodeMessage, peekHeader, type DnsMessage } from './message.ts';
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
  };
  tcpConnections: number;
}

type Transport = 'udp' | 'tcp';
const PORT_ATTEMPTS = 20;
const MAX_TCP_MESSAGE = 0xffff;

export class DnsServer {
  readonly address: string;
  readonly port: number;
  /** The zone served; replace it (or mutate it) at run time to change answers. */
  zone: Zone;
  #udp: dgram.Socket;
  #tcp: net.Server;
  #log: Logger;
  #idleMs: number;
  #connections = new Set<net.Socket>();
  #closing: Promise<void> | undefined;
  #stats = { total: 0, udp: 0, tcp: 0, dropped: 0, byType: {} as Record<string, number>, byRcode: {} as Record<string, number> };

  /** Bind UDP, then TCP on the port UDP got (retrying with a fresh port when that one is taken on TCP). */
  static async start(options: DnsServerOptions): Promise<DnsServer> {
    if (typeof options !== 'object' || options === null) throw new ConfigError('', 'expected DnsServer options');
    const { address, port } = options;
    if (typeof address !== 'string' || !net.isIP(address)) throw new ConfigError('address', `expected an IP address, got ${JSON.stringify(address)}`);
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new ConfigError('port', `expected an integer from 0 to 65535, got ${JSON.stringify(port)}`);
    if (!(options.zone instanceof Zone)) throw new ConfigError('zone', 'expected a Zone (see sipZone())');
    for (let attempt = 1; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4' });
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
      return new DnsServer(options, udp, tcp, actual);
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
      queries: { total: s.total, udp: s.udp, tcp: s.tcp, byType: { ...s.byType }, byRcode: { ...s.byRcode }, dropped: s.dropped },
      tcpConnections: this.#connections.size,
    };
  }

  #onDatagram(packet: Buffer, rinfo: dgram.RemoteInfo): void {
    const out = this.#respond(packet, 'udp');
    if (!out || this.closed) return;
    this.#udp.send(out, rinfo.port, rinfo.address, (err) => {
      if (err) this.#log.debug('DNS UDP send failed', { to: `${rinfo.address}:${rinfo.port}`, error: errorMessage(err) });
    });
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
        const out = this.#respond(message, 'tcp');
        if (!out) {
          socket.destroy(); // not a readable query: nothing sensible to say on this stream
          return;
        }
        const frame = Buffer.alloc(2 + out.length);
        frame.writeUInt16BE(out.length, 0);
        out.copy(frame, 2);
        socket.write(frame);
      }
    });
  }

  /** Decode, answer and encode one message; undefined means drop it. Never throws. */
  #respond(packet: Buffer, transport: Transport): Buffer | undefined {
    const header = peekHeader(packet);
    if (!header || header.qr) {
      this.#stats.dropped++;
      this.#log.debug('DNS packet dropped', { transport, bytes: packet.length, reason: header ? 'not a query' : 'short header' });
      return undefined;
    }
    let response: DnsMessage;
    let limit = CLASSIC_UDP_SIZE;
    try {
      const query = decodeMessage(packet);
      response = answerQuery(this.zone, query);
      limit = udpLimit(query);
      const q = query.questions[0];
      if (q) this.#count(this.#stats.byType, typeName(q.type));
    } catch (err) {
      this.#log.debug('DNS query malformed, answering FORMERR', { transport, error: errorMessage(err) });
      response = formatError(header);
    }
    this.#stats.total++;
    this.#stats[transport]++;
    try {
      const out = transport === 'udp' ? encodeForUdp(response, limit) : encodeForUdp(response, MAX_TCP_MESSAGE);
      this.#count(this.#stats.byRcode, rcodeName(response.rcode));
      return out;
    } catch (err) {
      // A response we cannot encode is our bug, not the client's: say SERVFAIL rather than go silent.
      this.#log.error('DNS response could not be encoded', { error: errorMessage(err) });
      this.#count(this.#stats.byRcode, 'SERVFAIL');
      return encodeMessage({ ...formatError(header), rcode: RCODE.SERVFAIL });
    }
  }

  #count(map: Record<string, number>, key: string): void {
    map[key] = (map[key] ?? 0) + 1;
  }
}

function bindError(address: string, port: number, transport: Transport, err: unknown): GwsimError {
  return new GwsimError('GWSIM_ERR_TRANSPORT', `cannot bind DNS server to ${address}:${port}/${transport}: ${errorMessage(err)}`, { cause: err });
}
