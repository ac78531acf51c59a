import net from 'node:net';
import { GwsimError } from '@gwsim/common';
import type { PooledConnection } from './connection-pool.ts';
import { SocketConnection } from './socket-connection.ts';
import { resolveStreamOptions, StreamTransport, type ResolvedStreamOptions, type StreamTransportOptions } from './stream-transport.ts';
import type { TransportAddress } from './transport.ts';

export type TcpTransportOptions = StreamTransportOptions;

/**
 * SIP over TCP (RFC 3261 §18): a listening server plus outbound connections opened on demand from the
 * same address, all pooled for reuse.
 */
export class TcpTransport extends StreamTransport {
  readonly protocol = 'tcp' as const;
  #server: net.Server;

  private constructor(server: net.Server, local: TransportAddress, options: ResolvedStreamOptions) {
    super(local, options);
    this.#server = server;
    server.on('connection', (socket) => this.adopt(this.#wrap(socket, 'inbound')));
    server.on('error', (err) => this.emit('error', err));
  }

  static async create(options: TcpTransportOptions): Promise<TcpTransport> {
    const server = net.createServer({ noDelay: true });
    const local = await listen(server, options.address, options.port ?? 0, 'TCP');
    return new TcpTransport(server, local, resolveStreamOptions(options));
  }

  #wrap(socket: net.Socket, direction: 'inbound' | 'outbound'): SocketConnection {
    return new SocketConnection(socket, { protocol: 'tcp', direction, owner: this, maxMessageSize: this.options.maxMessageSize, maxBufferedBytes: this.options.maxBufferedBytes });
  }

  protected async dial(to: TransportAddress): Promise<PooledConnection> {
    const socket = net.connect({ host: to.address, port: to.port, localAddress: this.local.address, noDelay: true });
    await socketReady(socket, 'connect', this.options.connectTimeout, `TCP connect from ${this.local.address} to ${to.address}:${to.port}`);
    return this.#wrap(socket, 'outbound');
  }

  protected closeServer(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Bind a stream server; resolves with the address it listens on. */
export function listen(server: net.Server, address: string, port: number, label: string): Promise<TransportAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new GwsimError('GWSIM_ERR_TRANSPORT', `cannot listen on ${label} ${address}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen({ host: address, port, backlog: 1024 }, () => {
      server.off('error', onError);
      const a = server.address() as net.AddressInfo;
      resolve({ address: a.address, port: a.port });
    });
  });
}

/** Wait for a socket's `connect`/`secureConnect`; on error or timeout destroy it and reject with a transport error. */
export function socketReady(socket: net.Socket, event: 'connect' | 'secureConnect', timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(new GwsimError('GWSIM_ERR_TRANSPORT', `${what} failed: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const ok = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off(event, ok);
    };
    socket.once('error', fail);
    socket.once(event, ok);
  });
}
