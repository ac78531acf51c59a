/**
 * The lean UAC's one timer: a coarse wheel of fixed slots, served by a single native timer that ticks only
 * while something is filed. Each call has at most one deadline at a time (its next retransmission, its
 * Timer B/F, the end of its hold or of its linger), so an item is filed under one slot and re-filed when its
 * deadline moves; an entry whose item has moved on is stale and skipped (cancelling costs nothing).
 */

/** Something the wheel fires: `slot` is the slot it is filed under (-1: none). */
export interface WheelItem {
  slot: number;
  onTimer(now: number): void;
}

export class SlotWheel {
  readonly resolutionMs: number;
  readonly #buckets = new Map<number, WheelItem[]>();
  /** The last slot already processed (or being processed). */
  #done: number;
  #timer: NodeJS.Timeout | null = null;
  readonly #tick = () => this.#onTick();

  constructor(resolutionMs = 10) {
    this.resolutionMs = resolutionMs;
    this.#done = Math.floor(performance.now() / resolutionMs);
  }

  /** Fire `item.onTimer` at `at` (a `performance.now()` time) or up to one slot later, never earlier. */
  schedule(item: WheelItem, at: number): void {
    if (this.#timer === null) this.#done = Math.floor(performance.now() / this.resolutionMs); // idle until now: no slots to walk
    const slot = Math.max(Math.ceil(at / this.resolutionMs), this.#done + 1);
    if (item.slot === slot) return;
    item.slot = slot;
    const bucket = this.#buckets.get(slot);
    if (bucket) bucket.push(item);
    else this.#buckets.set(slot, [item]);
    this.#timer ??= this.#arm();
  }

  cancel(item: WheelItem): void {
    item.slot = -1;
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#buckets.clear();
  }

  /** `#timer` stays set while the slots are walked, so that what callbacks file does not re-arm or reset it. */
  #onTick(): void {
    const now = performance.now();
    const last = Math.floor(now / this.resolutionMs);
    while (this.#done < last) {
      const slot = ++this.#done; // before the callbacks: what they file lands in a later slot
      const bucket = this.#buckets.get(slot);
      if (!bucket) continue;
      this.#buckets.delete(slot);
      for (let i = 0; i < bucket.length; i++) {
        const item = bucket[i]!;
        if (item.slot !== slot) continue;
        item.slot = -1;
        try {
          item.onTimer(now);
        } catch (err) {
          // A bug in one call must not stop the others of the slot; surface it as a native timer would.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    this.#timer = this.#buckets.size > 0 ? this.#arm() : null;
  }

  /** Wake at the start of the next slot, not a whole slot from now: a deadline fires less than one slot late. */
  #arm(): NodeJS.Timeout {
    return setTimeout(this.#tick, Math.max(1, Math.ceil((this.#done + 1) * this.resolutionMs - performance.now())));
  }
}
