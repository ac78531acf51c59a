import type net from 'node:net';
import { GwsimError } from '@gwsim/common';
import { newConnectionId, normalizeAddress, type PooledConnection } from './connection-pool.ts';
import { StreamFramer } from './stream-framer.ts';
import type { ConnectionOwner } from './stream-transport.ts';
import type { TransportAddress } from './transport.ts';

const PONG = Buffer.from('\r\n');

/** How long a graceful close may take to flush before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

export interface SocketConnectionInit {
  protocol: 'tcp' | 'tls';
  direction: 'inbound' | 'outbound';
  owner: ConnectionOwner;
  maxMessageSize: number;
  maxBufferedBytes: number;
}

/**
 * One TCP or TLS connection carrying SIP (RFC 3261 §18.3): Nagle off, input framed by Content-Length,
 * CRLFCRLF keep-alives answered with CRLF (RFC 5626 §4.4.1), the send queue capped.
 */
export class SocketConnection implements PooledConnection {
  readonly id = newConnectionId();
  readonly protocol: 'tcp' | 'tls';
  readonly direction: 'inbound' | 'outbound';
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly done: Promise<void>;
  #socket: net.Socket;
  #owner: ConnectionOwner;
  #framer: StreamFramer;
  #maxBuffered: number;
  #closed = false;
  #lastActivity = Date.now();

  constructor(socket: net.Socket, init: SocketConnectionInit) {
    this.#socket = socket;
    this.#owner = init.owner;
    this.protocol = init.protocol;
    this.direction = init.direction;
    this.#maxBuffered = init.maxBufferedBytes;
    this.local = { address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.remote = { address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    socket.setNoDelay(true);
    this.#framer = new StreamFramer(
      {
        message: (raw) => this.#owner.onFrame(this, raw),
        ping: () => {
          if (!this.#closed) socket.write(PONG);
        },
        error: (err, head) => this.#fault(err, head, true),
      },
      { maxMessageSize: init.maxMessageSize },
    );
    this.done = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.#lastActivity = Date.now();
      this.#framer.push(chunk);
    });
    socket.on('error', (err) => {
      if (!this.#closed) this.#owner.onConnectionFault(this, this.#error(`${err.message}`, err), null);
    });
    socket.once('close', () => {
      this.#closed = true;
      this.#owner.onConnectionClosed(this);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  write(data: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', `${this.#label()} is closed`));
    if (this.#socket.writableLength + data.length > this.#maxBuffered) {
      const err = this.#error(`send buffer over its ${this.#maxBuffered}-byte cap (peer not reading); connection dropped`);
      this.#fault(err, null, false);
      return Promise.reject(err);
    }
    this.#lastActivity = Date.now();
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (err) => (err ? reject(this.#error(`send failed: ${err.message}`, err)) : resolve()));
    });
  }

  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    // A failure, or a peer that has stopped reading with a lot queued: flushing would only wait out the grace time.
    if (error || (this.#socket.writableNeedDrain && this.#socket.writableLength > 64 * 1024)) {
      this.#socket.destroy();
      return;
    }
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Report, then close: gracefully after a framing error (so a 400/513 can still go out), at once otherwise. */
  #fault(err: Error, head: Buffer | null, graceful: boolean): void {
    if (this.#closed) return;
    this.#owner.onConnectionFault(this, err, head);
    this.close(graceful ? undefined : err);
  }

  #error(message: string, cause?: unknown): GwsimError {
    return new GwsimError('GWSIM_ERR_TRANSPORT', `${this.#label()}: ${message}`, { cause });
  }

  #label(): string {
    return `${this.protocol.toUpperCase()} connection ${this.local.address}:${this.local.port} ${this.direction === 'inbound' ? '<-' : '->'} ${this.remote.address}:${this.remote.port}`;
  }
}
