import { GwsimError, TypedEmitter } from '@gwsim/common';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.ts';
import type { Transport, TransportAddress, TransportDump, TransportEvents } from './transport.ts';
import { UdpTransport, type UdpTransportOptions } from './udp-transport.ts';

/** RFC 3261 §18.1.1: with the path MTU unknown, a request larger than this goes over a congestion-controlled transport. */
export const MTU_SIZE_LIMIT = 1300;

export interface TransportSetOptions {
  address: string;
  /** One port for both UDP and TCP; 0 (default) picks one that is free for both. */
  port?: number;
  udp?: Omit<UdpTransportOptions, 'address' | 'port'>;
  tcp?: Omit<TcpTransportOptions, 'address' | 'port'>;
  /** Requests larger than this (bytes) go over TCP (default 1300, §18.1.1). */
  sizeLimit?: number;
}

const TOP_VIA_RE = /\r?\n(?:Via|v)[ \t]*:[ \t]*SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*(UDP|TCP)\b/i;

/**
 * UDP and TCP on one address and port, behaving as the UDP transport a UA is configured with, plus the
 * RFC 3261 §18.1.1 rule: a request larger than 1300 bytes is sent over TCP (its top Via rewritten from UDP
 * to TCP, as the transport layer fills it in), and retried over UDP if the TCP connection is refused.
 * Responses go out on the transport named in their top Via (§18.2.2), so requests that arrived over TCP are
 * answered over their connection. Incoming messages from both are emitted as this transport's.
 */
export class TransportSet extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly udp: UdpTransport;
  readonly tcp: TcpTransport;
  readonly sizeLimit: number;
  /** Messages already handed to TCP: retransmissions of these (timers A, E, G) are not needed there (§17.1.1.2). */
  #sentReliably = new WeakSet<Buffer>();
  #closing: Promise<void> | null = null;

  private constructor(udp: UdpTransport, tcp: TcpTransport, sizeLimit: number) {
    super();
    this.udp = udp;
    this.tcp = tcp;
    this.sizeLimit = sizeLimit;
    for (const t of [udp, tcp] as Transport[]) {
      t.on('message', (msg, from, raw) => this.emit('message', msg, from, raw));
      t.on('malformed', (err, raw, from) => this.emit('malformed', err, raw, from));
      t.on('error', (err) => this.emit('error', err));
    }
  }

  static async create(options: TransportSetOptions): Promise<TransportSet> {
    const sizeLimit = options.sizeLimit ?? MTU_SIZE_LIMIT;
    for (let attempt = 0; ; attempt++) {
      const udp = await UdpTransport.create({ ...options.udp, address: options.address, port: options.port ?? 0 });
      try {
        const tcp = await TcpTransport.create({ ...options.tcp, address: options.address, port: udp.local.port });
        return new TransportSet(udp, tcp, sizeLimit);
      } catch (err) {
        await udp.close();
        // A random UDP port may be taken for TCP: pick another, a few times.
        if (options.port || attempt >= 9) throw err;
      }
    }
  }

  get local(): TransportAddress {
    return this.udp.local;
  }

  get closed(): boolean {
    return this.udp.closed;
  }

  send(data: Buffer, to: TransportAddress): Promise<void> {
    if (this.closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', 'transport set is closed'));
    if (this.#sentReliably.has(data)) return Promise.resolve();
    const isResponse = data[0] === 0x53 && data.subarray(0, 4).toString('latin1') === 'SIP/'; // "SIP/"
    if (isResponse) {
      const via = TOP_VIA_RE.exec(data.toString('latin1', 0, Math.min(data.length, 4096)));
      return via?.[1]!.toUpperCase() === 'TCP' ? this.#sendTcp(data, to) : this.udp.send(data, to);
    }
    if (data.length <= this.sizeLimit) return this.udp.send(data, to);
    const viaTcp = rewriteTopViaTransport(data);
    if (!viaTcp) return this.udp.send(data, to); // a top Via that is not UDP: leave it alone
    return this.#sendTcp(viaTcp, to).then(
      () => void this.#sentReliably.add(data),
      (err: unknown) => {
        // §18.1.1: the TCP attempt was refused or reset: send it over UDP after all.
        if (this.closed) throw err;
        return this.udp.send(data, to);
      },
    );
  }

  #sendTcp(data: Buffer, to: TransportAddress): Promise<void> {
    return this.tcp.send(data, to).then(() => void this.#sentReliably.add(data));
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([this.udp.close(), this.tcp.close()]).then(() => {});
    return this.#closing;
  }

  dump(): TransportDump {
    const udp = this.udp.dump();
    const tcp = this.tcp.dump();
    return { protocol: 'udp', local: this.local, closed: this.closed, connections: tcp.connections, members: [udp, tcp] };
  }
}

/** A copy of `data` whose top Via says TCP instead of UDP (same length, so Content-Length stays right). */
function rewriteTopViaTransport(data: Buffer): Buffer | null {
  const head = data.toString('latin1', 0, Math.min(data.length, 4096));
  const m = TOP_VIA_RE.exec(head);
  if (!m || m[1]!.toUpperCase() !== 'UDP') return null;
  const at = m.index + m[0].length - 3;
  const copy = Buffer.from(data);
  copy.write('TCP', at, 'latin1');
  return copy;
}
