/**
 * A ring of preallocated packet buffers, so sources fill packets without allocating. A buffer comes back
 * into use `size` packets later. Node's dgram sends on the next tick (it resolves even an IP literal
 * asynchronously) and queues the rare send the kernel cannot take at once, so a buffer must not come round
 * again within one synchronous run of sends: a pool must hold more buffers than the packets emitted in one
 * tick by everything that shares it (sources size their own pools for their worst tick).
 */
export class PacketPool {
  readonly bufferBytes: number;
  readonly #buffers: Buffer[];
  #next = 0;

  constructor(size = 64, bufferBytes = 1500) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    if (!Number.isInteger(bufferBytes) || bufferBytes < 64) throw new RangeError(`bufferBytes must be an integer of at least 64, got ${bufferBytes}`);
    this.bufferBytes = bufferBytes;
    const slab = Buffer.alloc(size * bufferBytes);
    this.#buffers = Array.from({ length: size }, (_, i) => slab.subarray(i * bufferBytes, (i + 1) * bufferBytes));
  }

  get size(): number {
    return this.#buffers.length;
  }

  /** The next buffer of the ring (its previous contents are stale). */
  next(): Buffer {
    const buf = this.#buffers[this.#next]!;
    this.#next = (this.#next + 1) % this.#buffers.length;
    return buf;
  }
}
