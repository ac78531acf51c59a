import { GwsimError, TypedEmitter } from '@gwsim/common';
import { ConnectionPool, type PooledConnection } from './connection-pool.ts';
import type { SipRequest } from './message.ts';
import { parseMessage } from './parser.ts';
import { DEFAULT_MAX_MESSAGE_SIZE } from './stream-framer.ts';
import { traceMessage, type Transport, type TransportAddress, type TransportDump, type TransportEvents, type TransportProtocol } from './transport.ts';
import { responseAddress } from './via.ts';

/** Options every connection-oriented transport (TCP, TLS, WS, WSS) takes. */
export interface StreamTransportOptions {
  /** Address to listen on and to originate connections from. */
  address: string;
  /** Listening port; 0 (default) picks a free one. */
  port?: number;
  /** Largest SIP message accepted (default 64 KiB); a larger one closes its connection. */
  maxMessageSize?: number;
  /** Cap on bytes queued for sending on one connection (default 4 MiB); over it, the connection is dropped. */
  maxBufferedBytes?: number;
  /** Close connections with no traffic for this long, in ms (default 300 000; 0 keeps them forever). */
  idleTimeout?: number;
  /** Give up an outbound connection attempt after this long, in ms (default 10 000). */
  connectTimeout?: number;
}

export interface ResolvedStreamOptions {
  maxMessageSize: number;
  maxBufferedBytes: number;
  idleTimeout: number;
  connectTimeout: number;
}

export function resolveStreamOptions(o: StreamTransportOptions): ResolvedStreamOptions {
  return {
    maxMessageSize: o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    maxBufferedBytes: o.maxBufferedBytes ?? 4 * 1024 * 1024,
    idleTimeout: o.idleTimeout ?? 300_000,
    connectTimeout: o.connectTimeout ?? 10_000,
  };
}

/** What a connection reports to the transport that owns it. */
export interface ConnectionOwner {
  /** One framed SIP message (or bytes that claim to be one). */
  onFrame(conn: PooledConnection, raw: Buffer): void;
  /** The connection cannot go on (unframeable input, a limit exceeded, a socket error); it is closing. */
  onConnectionFault(conn: PooledConnection, error: Error, raw: Buffer | null): void;
  onConnectionClosed(conn: PooledConnection): void;
}

/**
 * RFC 3261 §18 over connections: the part TCP, TLS, WS and WSS share. Sending reuses the connection the
 * pool has for the destination (its own remote address, or an alias learned from an inbound request's
 * Via), else dials one. Received messages are traced, parsed and emitted with the connection's remote
 * address as source, so responses (§18.2.2) and requests back to that peer find the same connection.
 */
export abstract class StreamTransport extends TypedEmitter<TransportEvents> implements Transport, ConnectionOwner {
  abstract readonly protocol: Exclude<TransportProtocol, 'udp'>;
  readonly reliable = true;
  protected readonly pool = new ConnectionPool<PooledConnection>();
  protected readonly options: ResolvedStreamOptions;
  /** WebSocket messages are self-delimiting (RFC 7118 §5), so they parse like datagrams. */
  protected readonly datagramFrames: boolean = false;
  #local: TransportAddress;
  #closed = false;
  #closing: Promise<void> | null = null;
  #sweeper: NodeJS.Timeout | null = null;

  protected constructor(local: TransportAddress, options: ResolvedStreamOptions) {
    super();
    this.#local = local;
    this.options = options;
    if (options.idleTimeout > 0) {
      this.#sweeper = setInterval(() => this.#closeIdle(), Math.max(50, Math.min(options.idleTimeout / 2, 30_000)));
      this.#sweeper.unref();
    }
  }

  get local(): TransportAddress {
    return this.#local;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Number of open connections (both directions). */
  get connectionCount(): number {
    return this.pool.size;
  }

  /** Open an outbound connection to `to` (subclasses: TCP connect, TLS handshake, WebSocket upgrade). */
  protected abstract dial(to: TransportAddress): Promise<PooledConnection>;
  /** Stop listening; resolves when the server is closed. */
  protected abstract closeServer(): Promise<void>;

  send(data: Buffer, to: TransportAddress): Promise<void> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', `${this.protocol.toUpperCase()} transport is closed`));
    const open = this.pool.get(this.protocol, to);
    if (open) return this.#write(open, data);
    return this.pool.acquire(this.protocol, to, () => this.#dial(to)).then((conn) => this.#write(conn, data));
  }

  /** Whether a message to `to` would reuse an open connection. */
  hasConnection(to: TransportAddress): boolean {
    return this.pool.get(this.protocol, to) !== undefined;
  }

  async #dial(to: TransportAddress): Promise<PooledConnection> {
    const conn = await this.dial(to);
    if (this.#closed) {
      conn.close();
      throw new GwsimError('GWSIM_ERR_CLOSED', `${this.protocol.toUpperCase()} transport closed while connecting to ${to.address}:${to.port}`);
    }
    this.pool.add(conn);
    this.pool.alias(conn, to); // e.g. `localhost` or an IPv4-mapped form of the socket's remote address
    return conn;
  }

  #write(conn: PooledConnection, data: Buffer): Promise<void> {
    traceMessage('out', this.protocol, conn.local, conn.remote, data);
    return conn.write(data);
  }

  /** Subclasses call this for every accepted inbound connection. */
  protected adopt(conn: PooledConnection): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    this.pool.add(conn);
  }

  onFrame(conn: PooledConnection, raw: Buffer): void {
    if (this.#closed) return;
    traceMessage('in', this.protocol, conn.local, conn.remote, raw);
    let msg;
    try {
      msg = parseMessage(raw, { datagram: this.datagramFrames });
    } catch (err) {
      this.emit('malformed', err as Error, raw, conn.remote);
      return;
    }
    if (msg.kind === 'request') this.#learnAliases(conn, msg);
    this.emit('message', msg, conn.remote, raw);
  }

  /**
   * §18.2.2: responses go back over the connection the request came on. The transaction layer addresses
   * them by the top Via: received + rport (RFC 3581 §4), which is this connection's own remote address,
   * or received + the sent-by port, the peer's listening port. So the connection also answers to the
   * peer's address with the sent-by port (and a valued rport): responses without rport and requests back
   * to the peer's Contact then reuse it, as with an RFC 5923 alias. Only the address the connection really
   * comes from is aliased, never a different host named in Via.
   */
  #learnAliases(conn: PooledConnection, request: SipRequest): void {
    let via;
    try {
      via = request.via;
    } catch {
      return; // the transaction layer answers or drops a request with a broken Via
    }
    const address = conn.remote.address;
    // The transaction layer's own computation (not yet stamped: a valued rport, else the sent-by port or its default).
    const { port } = responseAddress(via);
    if (Number.isInteger(port)) this.pool.alias(conn, { address, port });
    if (via.port !== null && via.port !== port) this.pool.alias(conn, { address, port: via.port });
  }

  onConnectionFault(conn: PooledConnection, error: Error, raw: Buffer | null): void {
    this.emit('error', error);
    // Also reported as malformed, so the UA can still answer (e.g. 513) over the connection before it closes.
    if (raw !== null) this.emit('malformed', error, raw, conn.remote);
  }

  onConnectionClosed(conn: PooledConnection): void {
    this.pool.remove(conn);
  }

  #closeIdle(): void {
    for (const conn of this.pool.idle(Date.now(), this.options.idleTimeout)) {
      this.pool.remove(conn);
      conn.close();
    }
  }

  /** Close the server and every connection. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      if (this.#sweeper) clearInterval(this.#sweeper);
      const conns = this.pool.connections();
      for (const conn of conns) conn.close();
      this.#closing = Promise.all([this.closeServer(), ...conns.map((c) => c.done)]).then(() => {});
    }
    return this.#closing;
  }

  dump(): TransportDump {
    return { protocol: this.protocol, local: this.#local, closed: this.#closed, connections: this.pool.dump() };
  }
}
