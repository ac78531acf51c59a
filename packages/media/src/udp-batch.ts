/**
 * UdpBatchSocket: UDP sockets for the media hot path that read and write datagrams in batches (recvmmsg /
 * sendmmsg) through the media fast path's native addon (native.ts), instead of one libuv call, one Buffer, one
 * RemoteInfo and one event per datagram as with node:dgram.
 *
 * Receiving: a readable socket's datagrams are read with recvmmsg into one area shared by every socket of the
 * thread, and once per event loop iteration (after libuv polled every ready socket; sooner when the area is
 * full) JavaScript is entered once for all of them: each socket's listener gets its datagrams as Buffer views
 * into that area, valid until the listener returns (copy what you keep; rewriting in place and sending on is
 * fine). Sending: `send` copies the datagram into a shared queue at once (so the caller may reuse its buffer)
 * and the queue is written with one sendmmsg per run of the same socket in a microtask after the code that
 * queued it — for a forwarder, after everything received in that loop iteration.
 *
 * Availability: Linux with the addon built (native.ts). `UdpBatchSocket.available` says whether it loaded,
 * `unavailableReason` why not; callers fall back to node:dgram. IPv4 only.
 */
import { GwsimError } from '@gwsim/common';
import { fastpath, type FastpathAddon } from './native.ts';

/** Datagrams received per entry into JavaScript, datagrams queued before a flush is forced, and the largest datagram (bytes). */
const RX_SLOTS = 256;
const TX_SLOTS = 128;
const SLOT_BYTES = 4096;
const TRUNCATED = 0xffffffff;

const { addon: native, reason: unavailableReason } = fastpath;

/** What one thread's sockets share: the receive area, the send queue, and totals. */
class ThreadIo {
  readonly rx = Buffer.alloc(RX_SLOTS * SLOT_BYTES);
  readonly rxMeta = new Uint32Array(RX_SLOTS * 4);
  readonly tx = Buffer.alloc(TX_SLOTS * SLOT_BYTES);
  readonly txMeta = new Uint32Array(TX_SLOTS * 4);
  queued = 0;
  #flushScheduled = false;
  /** Datagrams the kernel refused when flushing (dropped, as UDP would). */
  refused = 0;
  readonly #native: FastpathAddon;
  /** Sockets by the id their datagrams carry. */
  readonly #sockets: Array<UdpBatchSocket | undefined> = [];
  readonly #freeIds: number[] = [];
  /**
   * Ids of sockets closed since the last dispatch: the receive area may still hold their datagrams, so the ids
   * are reused only after it has been handed out (a new socket must not get a closed one's datagrams).
   */
  #retiring: number[] = [];
  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  constructor(n: FastpathAddon) {
    this.#native = n;
    n.init(this.rx.buffer as ArrayBuffer, this.rxMeta.buffer as ArrayBuffer, this.tx.buffer as ArrayBuffer, this.txMeta.buffer as ArrayBuffer, SLOT_BYTES, (count) => this.#dispatch(count));
  }

  register(socket: UdpBatchSocket): number {
    const id = this.#freeIds.pop() ?? this.#sockets.length;
    this.#sockets[id] = socket;
    return id;
  }

  unregister(id: number): void {
    this.#sockets[id] = undefined;
    if (this.#native.pending() === 0) this.#freeIds.push(id);
    else this.#retiring.push(id);
  }

  /** Every datagram received since the last call, of every socket (a closed socket's are dropped). */
  #dispatch(count: number): void {
    const meta = this.rxMeta;
    const rx = this.rx;
    for (let i = 0, m = 0; i < count; i++, m += 4) {
      const socket = this.#sockets[meta[m + 3]!];
      if (socket === undefined) continue;
      const length = meta[m]!;
      const start = i * SLOT_BYTES;
      socket.deliver(length === TRUNCATED ? null : rx.subarray(start, start + length), meta[m + 1]!, meta[m + 2]!);
    }
    if (this.#retiring.length > 0) {
      // the area held every datagram of the sockets closed so far (a closed socket reads no more): free their ids
      this.#freeIds.push(...this.#retiring);
      this.#retiring = [];
    }
  }

  /** The queue slot for one more datagram (flushing first when full). */
  slot(): number {
    if (this.queued === TX_SLOTS) this.flush();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushTask);
    }
    return this.queued++;
  }

  flush(): void {
    const count = this.queued;
    if (count === 0) return;
    this.queued = 0;
    this.refused += count - this.#native.flush(count);
  }
}

let threadIo: ThreadIo | null = null;

const addressNumbers = new Map<string, number>();
/** The 32-bit number of a dotted IPv4 address (cached), or -1 when it is not one. */
export function ipv4ToNumber(address: string): number {
  const known = addressNumbers.get(address);
  if (known !== undefined) return known;
  const parts = address.split('.');
  let n = parts.length === 4 ? 0 : -1;
  for (const p of parts) {
    const octet = /^\d{1,3}$/.test(p) ? Number(p) : 256;
    if (n < 0 || octet > 255) {
      n = -1;
      break;
    }
    n = n * 256 + octet;
  }
  if (addressNumbers.size >= 4096) addressNumbers.clear();
  addressNumbers.set(address, n);
  return n;
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** A received datagram: `buffer` is valid until the listener returns. `ip` is ipv4ToNumber's form. */
export type BatchDatagramListener = (buffer: Buffer, ip: number, port: number) => void;

export class UdpBatchSocket {
  /** Whether the addon loaded on this platform. */
  static readonly available = native !== null;
  /** Why not, when it did not. */
  static readonly unavailableReason = unavailableReason;

  readonly port: number;
  /** `unaddressable`: datagrams dropped at `send` because the destination was not an IPv4 address (ip −1). */
  readonly counters = { received: 0, sent: 0, truncated: 0, unaddressable: 0 };
  readonly #native: FastpathAddon;
  readonly #io: ThreadIo;
  readonly #handle: object;
  readonly #fd: number;
  readonly #id: number;
  #listener: BatchDatagramListener | null = null;
  #closed = false;

  private constructor(adoptFd: number, address: string, port: number) {
    if (native === null) throw new GwsimError('GWSIM_ERR_TRANSPORT', `batched UDP I/O unavailable: ${unavailableReason}`);
    this.#native = native;
    this.#io = threadIo ??= new ThreadIo(native);
    this.#id = this.#io.register(this);
    try {
      this.#handle = native.open(adoptFd, address, port, this.#id);
    } catch (err) {
      this.#io.unregister(this.#id);
      throw err;
    }
    this.#fd = native.fd(this.#handle);
    this.port = native.port(this.#handle);
  }

  /** A new socket bound to `address:port` (0: any free port). */
  static open(address: string, port = 0): UdpBatchSocket {
    if (ipv4ToNumber(address) < 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `batched UDP I/O is IPv4 only: ${address}`);
    return new UdpBatchSocket(-1, address, port);
  }

  /**
   * Read and write a bound IPv4 UDP socket Node already has (the descriptor is duplicated). Stop Node's own
   * reading of it while this one reads, or the two race for datagrams.
   */
  static adopt(fd: number): UdpBatchSocket {
    if (!Number.isInteger(fd) || fd < 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `adopt: not a file descriptor: ${fd}`);
    return new UdpBatchSocket(fd, '', 0);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Receive with this listener (null stops reading; datagrams wait in the kernel's buffer). */
  onMessage(listener: BatchDatagramListener | null): void {
    if (this.#closed) return;
    this.#listener = listener;
    this.#native.receive(this.#handle, listener !== null);
  }

  /**
   * Queue `buffer[offset, offset + length)` to `ip:port`; it is copied now and written in this tick's flush. An
   * `ip` of −1 (ipv4ToNumber of something that is not an IPv4 address) is counted as unaddressable and dropped.
   */
  send(buffer: Uint8Array, offset: number, length: number, ip: number, port: number): void {
    if (this.#closed) return;
    if (ip < 0) {
      this.counters.unaddressable++;
      return;
    }
    if (length > SLOT_BYTES || length < 0) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `datagram of ${length} bytes (at most ${SLOT_BYTES})`);
    const io = this.#io;
    const slot = io.slot();
    io.tx.set(buffer.subarray(offset, offset + length), slot * SLOT_BYTES);
    const m = slot * 4;
    io.txMeta[m] = length;
    io.txMeta[m + 1] = ip;
    io.txMeta[m + 2] = port;
    io.txMeta[m + 3] = this.#fd;
    this.counters.sent++;
  }

  /** Datagrams of this thread's sockets the kernel refused when flushing. */
  static refused(): number {
    return threadIo?.refused ?? 0;
  }

  /** Write what is queued and close (an adopted socket's original descriptor stays open). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#io.flush(); // queued datagrams carry this fd, which the kernel may hand out again once closed
    this.#closed = true;
    this.#listener = null;
    this.#io.unregister(this.#id);
    this.#native.close(this.#handle);
  }

  /** @internal One received datagram (null: truncated, larger than a slot). */
  deliver(buffer: Buffer | null, ip: number, port: number): void {
    const listener = this.#listener;
    if (listener === null) return;
    if (buffer === null) {
      this.counters.truncated++;
      return;
    }
    this.counters.received++;
    listener(buffer, ip, port);
  }
}
