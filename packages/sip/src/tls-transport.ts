import { isIP } from 'node:net';
import tls from 'node:tls';
import { GwsimError } from '@gwsim/common';
import type { PooledConnection } from './connection-pool.ts';
import { SocketConnection } from './socket-connection.ts';
import { resolveStreamOptions, StreamTransport, type ResolvedStreamOptions, type StreamTransportOptions } from './stream-transport.ts';
import { listen, socketReady } from './tcp-transport.ts';
import type { TransportAddress } from './transport.ts';

/** Certificates and trust for TLS (and WSS). PEM strings or buffers. */
export interface TlsCredentials {
  /** Our private key and certificate chain; required to accept connections (a server). */
  key?: string | Buffer;
  cert?: string | Buffer;
  /** Trusted CAs for verifying the peer (default: Node's bundled roots). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the server certificate on outbound connections (default true). */
  rejectUnauthorized?: boolean;
  /** SNI / identity check name for outbound connections when the destination is an IP literal. */
  servername?: string;
  /** Ask inbound clients for a certificate (mutual TLS). Default false. */
  requestCert?: boolean;
}

export interface TlsTransportOptions extends StreamTransportOptions {
  tls: TlsCredentials;
}

/**
 * SIP over TLS (RFC 3261 §18, §26.2.1): like TCP, with every connection a TLS session. Without key and
 * cert it only dials out.
 */
export class TlsTransport extends StreamTransport {
  readonly protocol = 'tls' as const;
  #server: tls.Server | null;
  #creds: TlsCredentials;

  private constructor(server: tls.Server | null, local: TransportAddress, creds: TlsCredentials, options: ResolvedStreamOptions) {
    super(local, options);
    this.#server = server;
    this.#creds = creds;
    if (server) {
      server.on('secureConnection', (socket) => this.adopt(this.#wrap(socket, 'inbound')));
      server.on('tlsClientError', (err, socket) => this.emit('error', new GwsimError('GWSIM_ERR_TRANSPORT', `TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${err.message}`, { cause: err })));
      server.on('error', (err) => this.emit('error', err));
    }
  }

  static async create(options: TlsTransportOptions): Promise<TlsTransport> {
    const creds = options.tls;
    const resolved = resolveStreamOptions(options);
    if (!creds.key || !creds.cert) {
      return new TlsTransport(null, { address: options.address, port: 0 }, creds, resolved);
    }
    const server = tls.createServer({ key: creds.key, cert: creds.cert, ca: creds.ca, requestCert: creds.requestCert ?? false, rejectUnauthorized: creds.requestCert ?? false, noDelay: true });
    const local = await listen(server, options.address, options.port ?? 0, 'TLS');
    return new TlsTransport(server, local, creds, resolved);
  }

  #wrap(socket: tls.TLSSocket, direction: 'inbound' | 'outbound'): SocketConnection {
    return new SocketConnection(socket, { protocol: 'tls', direction, owner: this, maxMessageSize: this.options.maxMessageSize, maxBufferedBytes: this.options.maxBufferedBytes });
  }

  protected async dial(to: TransportAddress): Promise<PooledConnection> {
    const c = this.#creds;
    // tls.connect passes localAddress on to the TCP connect; its type just does not declare it.
    const options: tls.ConnectionOptions & { localAddress: string } = {
      host: to.address,
      port: to.port,
      localAddress: this.local.address,
      ca: c.ca,
      key: c.key,
      cert: c.cert,
      rejectUnauthorized: c.rejectUnauthorized ?? true,
      servername: c.servername ?? (isIP(to.address) ? undefined : to.address),
    };
    const socket = tls.connect(options);
    await socketReady(socket, 'secureConnect', this.options.connectTimeout, `TLS connect from ${this.local.address} to ${to.address}:${to.port}`);
    return this.#wrap(socket, 'outbound');
  }

  protected closeServer(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
