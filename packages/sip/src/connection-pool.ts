import type { TransportAddress, TransportProtocol } from './transport.ts';

/** One open stream (TCP, TLS or WebSocket connection) as the pool and its transport see it. */
export interface PooledConnection {
  readonly id: number;
  readonly protocol: TransportProtocol;
  /** Who opened it: the peer (`inbound`) or us (`outbound`). */
  readonly direction: 'inbound' | 'outbound';
  /** The socket's own addresses (the remote port of an inbound connection is the peer's ephemeral port). */
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  /** `Date.now()` of the last byte sent or received. */
  readonly lastActivity: number;
  /** Bytes queued for sending and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  readonly closed: boolean;
  /** Settles (never rejects) once the connection is fully closed. */
  readonly done: Promise<void>;
  /** Queue one message; rejects when the connection is closed, fails, or its send buffer is over its cap. */
  write(data: Buffer): Promise<void>;
  /** Close (gracefully: queued bytes are flushed first). `error` names why, when it is a failure. */
  close(error?: Error): void;
}

export interface ConnectionDump {
  id: number;
  protocol: TransportProtocol;
  direction: 'inbound' | 'outbound';
  local: TransportAddress;
  remote: TransportAddress;
  /** Other addresses this connection serves (Via sent-by of requests that arrived on it). */
  aliases: string[];
  idleMs: number;
  bufferedBytes: number;
}

let nextConnectionId = 1;
/** Process-wide connection ids, for dumps and traces. */
export function newConnectionId(): number {
  return nextConnectionId++;
}

/** `::ffff:127.0.0.1` (a dual-stack socket's view of an IPv4 peer) and `127.0.0.1` are the same peer. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Pool key: protocol, address and port of the far end. */
export function connectionKey(protocol: TransportProtocol, to: TransportAddress): string {
  return `${protocol} ${normalizeAddress(to.address)} ${to.port}`;
}

/**
 * Open connections keyed by protocol + remote address + port, for reuse (RFC 3261 §18.1.1, §18.2.2):
 * a message to a peer goes over the connection that already exists to it, including one the peer opened
 * towards us. Besides the socket's own remote address, a connection can be known under aliases — the
 * sent-by (RFC 3261 §18.2.2) or `alias` (RFC 5923) address of the requests that arrived on it — so that
 * responses and requests back to that peer use it. Concurrent sends to a peer share one connection attempt.
 */
export class ConnectionPool<C extends PooledConnection> {
  readonly #byRemote = new Map<string, C>();
  readonly #aliases = new Map<string, C>();
  readonly #aliasesOf = new Map<C, Set<string>>();
  readonly #dialing = new Map<string, Promise<C>>();

  get size(): number {
    return this.#byRemote.size;
  }

  connections(): C[] {
    return [...this.#byRemote.values()];
  }

  /** The open connection that reaches `to` (by its own address first, then by alias). */
  get(protocol: TransportProtocol, to: TransportAddress): C | undefined {
    const key = connectionKey(protocol, to);
    const conn = this.#byRemote.get(key) ?? this.#aliases.get(key);
    return conn && !conn.closed ? conn : undefined;
  }

  /** The connection to `to`, dialling one (once, however many callers ask at the same time) if none is open. */
  acquire(protocol: TransportProtocol, to: TransportAddress, dial: () => Promise<C>): Promise<C> {
    const open = this.get(protocol, to);
    if (open) return Promise.resolve(open);
    const key = connectionKey(protocol, to);
    let pending = this.#dialing.get(key);
    if (!pending) {
      pending = dial().finally(() => this.#dialing.delete(key));
      this.#dialing.set(key, pending);
    }
    return pending;
  }

  add(conn: C): void {
    this.#byRemote.set(connectionKey(conn.protocol, conn.remote), conn);
  }

  /** Make `conn` the connection for `address` too (the latest connection to claim an alias wins). */
  alias(conn: C, address: TransportAddress): void {
    const key = connectionKey(conn.protocol, address);
    if (key === connectionKey(conn.protocol, conn.remote) || this.#aliases.get(key) === conn || conn.closed) return;
    const previous = this.#aliases.get(key);
    if (previous) this.#aliasesOf.get(previous)?.delete(key);
    this.#aliases.set(key, conn);
    let set = this.#aliasesOf.get(conn);
    if (!set) {
      set = new Set();
      this.#aliasesOf.set(conn, set);
    }
    set.add(key);
  }

  remove(conn: C): void {
    const key = connectionKey(conn.protocol, conn.remote);
    if (this.#byRemote.get(key) === conn) this.#byRemote.delete(key);
    for (const alias of this.#aliasesOf.get(conn) ?? []) {
      if (this.#aliases.get(alias) === conn) this.#aliases.delete(alias);
    }
    this.#aliasesOf.delete(conn);
  }

  /** Connections with no traffic for `idleMs` or more. */
  idle(now: number, idleMs: number): C[] {
    const out: C[] = [];
    for (const conn of this.#byRemote.values()) if (now - conn.lastActivity >= idleMs) out.push(conn);
    return out;
  }

  dump(now = Date.now()): ConnectionDump[] {
    return this.connections().map((c) => ({
      id: c.id,
      protocol: c.protocol,
      direction: c.direction,
      local: c.local,
      remote: c.remote,
      aliases: [...(this.#aliasesOf.get(c) ?? [])].map((k) => k.slice(k.indexOf(' ') + 1).replace(' ', ':')),
      idleMs: now - c.lastActivity,
      bufferedBytes: c.bufferedBytes,
    }));
  }
}
