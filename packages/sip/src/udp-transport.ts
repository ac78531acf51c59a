import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { GwsimError, TypedEmitter } from '@gwsim/common';
import { parseMessage } from './parser.ts';
import { traceMessage, type Transport, type TransportAddress, type TransportDump, type TransportEvents } from './transport.ts';

export interface UdpTransportOptions {
  address: string;
  /** 0 picks a free port. */
  port?: number;
  /** Socket buffer size in bytes for both directions (large by default so load bursts are not dropped). */
  bufferSize?: number;
}

/** SIP over UDP (RFC 3261 §18): one message per datagram. */
export class UdpTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  #socket: dgram.Socket;
  #local: TransportAddress;
  #closed = false;

  private constructor(socket: dgram.Socket, local: TransportAddress) {
    super();
    this.#socket = socket;
    this.#local = local;
    socket.on('message', (raw, rinfo) => this.#onDatagram(raw, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (err) => this.emit('error', err));
  }

  static async create(options: UdpTransportOptions): Promise<UdpTransport> {
    const socket = dgram.createSocket({ type: isIPv6(options.address) ? 'udp6' : 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new GwsimError('GWSIM_ERR_TRANSPORT', `cannot bind UDP ${options.address}:${options.port ?? 0}: ${err.message}`, { cause: err }));
      socket.once('error', onError);
      socket.bind(options.port ?? 0, options.address, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    const size = options.bufferSize ?? 4 * 1024 * 1024;
    try {
      socket.setRecvBufferSize(size);
      socket.setSendBufferSize(size);
    } catch {
      // The kernel may cap buffer sizes (net.core.rmem_max); the default still works.
    }
    const addr = socket.address();
    return new UdpTransport(socket, { address: addr.address, port: addr.port });
  }

  get local(): TransportAddress {
    return this.#local;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onDatagram(raw: Buffer, from: TransportAddress): void {
    traceMessage('in', 'udp', this.#local, from, raw);
    // RFC 5626 keep-alive: a bare CRLF (or CRLFCRLF) is not a message.
    if (raw.length <= 4 && raw.every((b) => b === 0x0d || b === 0x0a)) return;
    let msg;
    try {
      msg = parseMessage(raw, { datagram: true });
    } catch (err) {
      this.emit('malformed', err as Error, raw, from);
      return;
    }
    this.emit('message', msg, from, raw);
  }

  send(data: Buffer, to: TransportAddress): Promise<void> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', 'UDP transport is closed'));
    traceMessage('out', 'udp', this.#local, to, data);
    return new Promise((resolve, reject) => {
      this.#socket.send(data, to.port, to.address, (err) => {
        if (err) reject(new GwsimError('GWSIM_ERR_TRANSPORT', `UDP send to ${to.address}:${to.port} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  dump(): TransportDump {
    return { protocol: 'udp', local: this.#local, closed: this.#closed, connections: [] };
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
