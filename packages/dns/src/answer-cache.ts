/**
 * Precomputed answers for a static zone: the encoded response to a query, keyed by the query's bytes after
 * the ID (flags, counts, question, EDNS OPT) and the transport. A hit costs one copy and an ID patch instead
 * of a decode, a lookup and an encode. Entries die with any change to the zone (its `generation`) or when
 * the server's zone is replaced; the server bypasses the cache while any fault is set.
 */
import type { Zone } from './zone.ts';

export interface CachedAnswer {
  /** The whole encoded response; bytes 0-1 (the ID) are overwritten per query. */
  wire: Buffer;
  /** Question type and response rcode mnemonics, for the server's counters. */
  qtype: string;
  rcode: string;
}

/** Largest query worth caching: a plain question with an OPT record fits in far less. */
const MAX_KEY_BYTES = 300;

export class AnswerCache {
  readonly maxEntries: number;
  #maps = { udp: new Map<string, CachedAnswer>(), tcp: new Map<string, CachedAnswer>() };
  #zone: Zone | undefined;
  #generation = -1;
  hits = 0;

  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#maps.udp.size + this.#maps.tcp.size;
  }

  /** The key for `packet` (everything after the ID), or undefined when the packet is not worth caching. */
  static key(packet: Buffer): string | undefined {
    return packet.length > MAX_KEY_BYTES ? undefined : packet.toString('latin1', 2);
  }

  /** The cached entry for `key` on `transport` with `zone` as it is now, or undefined. */
  get(key: string, transport: 'udp' | 'tcp', zone: Zone): CachedAnswer | undefined {
    this.#sync(zone);
    const entry = this.#maps[transport].get(key);
    if (entry) this.hits++;
    return entry;
  }

  /** A copy of `entry`'s response carrying `id` (the cached bytes stay untouched while a send is pending). */
  static withId(entry: CachedAnswer, id: number): Buffer {
    const wire = Buffer.allocUnsafe(entry.wire.length);
    entry.wire.copy(wire);
    wire.writeUInt16BE(id, 0);
    return wire;
  }

  set(key: string, transport: 'udp' | 'tcp', zone: Zone, entry: CachedAnswer): void {
    this.#sync(zone);
    const map = this.#maps[transport];
    if (map.size >= this.maxEntries) map.clear(); // crude, but a static zone has few distinct questions
    map.set(key, { ...entry, wire: Buffer.from(entry.wire) });
  }

  clear(): void {
    this.#maps.udp.clear();
    this.#maps.tcp.clear();
  }

  #sync(zone: Zone): void {
    if (zone === this.#zone && zone.generation === this.#generation) return;
    this.clear();
    this.#zone = zone;
    this.#generation = zone.generation;
  }
}
