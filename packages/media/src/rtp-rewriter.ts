/**
 * Header rewriting for a forwarding hop (a bridge between two legs): the outgoing stream has its own SSRC
 * and, optionally, payload type, and its sequence numbers and timestamps stay continuous when the input
 * switches source (lobby splash → meeting media, a new SSRC after a re-INVITE): on a switch the sequence
 * continues at +1 and the timestamp advances by the wall time since the last packet (RFC 3550 §5.1, §8.2:
 * a translator must keep what it forwards a valid stream). Allocation-free.
 */
import { random32 } from './sources/source-options.ts';

export interface RtpRewriterOptions {
  /** RTP clock of the stream (8000, 48000, 90000): converts gaps in wall time to timestamp units. */
  readonly clockRate: number;
  /** Outgoing SSRC (default random). */
  readonly ssrc?: number;
  /** Outgoing payload type (default: keep the input's). */
  readonly payloadType?: number;
  readonly initialSequence?: number;
  readonly initialTimestamp?: number;
}

export class RtpRewriter {
  readonly ssrc: number;
  readonly clockRate: number;
  readonly payloadType: number | null;
  /** Output fields of the last `map()` (read them instead of receiving an object). */
  sequence = 0;
  timestamp = 0;
  packets = 0;
  /** Input SSRC changes seen (the first source included). */
  switches = 0;
  #inSsrc = -1;
  #seqOffset = 0;
  #tsOffset = 0;
  #highSeq: number;
  #highTs: number;
  #lastMs = -1;

  constructor(options: RtpRewriterOptions) {
    if (!(options.clockRate > 0)) throw new RangeError(`clockRate must be positive, got ${options.clockRate}`);
    this.clockRate = options.clockRate;
    this.ssrc = (options.ssrc ?? random32()) >>> 0;
    this.payloadType = options.payloadType ?? null;
    this.#highSeq = ((options.initialSequence ?? random32()) - 1) & 0xffff;
    this.#highTs = (options.initialTimestamp ?? random32()) >>> 0;
  }

  /** Map one input packet's SSRC, sequence number and timestamp to `sequence`/`timestamp`. */
  map(inSsrc: number, inSeq: number, inTs: number, nowMs: number): void {
    if (inSsrc !== this.#inSsrc) {
      const gap = this.#lastMs < 0 ? 0 : Math.max(1, Math.round(((nowMs - this.#lastMs) * this.clockRate) / 1000));
      this.#seqOffset = (this.#highSeq + 1 - inSeq) & 0xffff;
      this.#tsOffset = (this.#highTs + gap - inTs) >>> 0;
      this.#inSsrc = inSsrc;
      this.switches++;
    }
    const seq = (inSeq + this.#seqOffset) & 0xffff;
    const ts = (inTs + this.#tsOffset) >>> 0;
    // keep the highest (wrap-aware) so a reordered packet does not pull the continuation point back
    if (((seq - this.#highSeq) & 0xffff) < 0x8000) this.#highSeq = seq;
    if (((ts - this.#highTs) >>> 0) < 0x8000_0000) this.#highTs = ts;
    this.#lastMs = nowMs;
    this.sequence = seq;
    this.timestamp = ts;
    this.packets++;
  }

  /** Rewrite an RTP packet in place (SSRC, sequence number, timestamp and payload type if set). */
  rewrite(packet: Buffer, nowMs: number): void {
    this.map(packet.readUInt32BE(8), packet.readUInt16BE(2), packet.readUInt32BE(4), nowMs);
    packet.writeUInt16BE(this.sequence, 2);
    packet.writeUInt32BE(this.timestamp, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    if (this.payloadType !== null) packet[1] = (packet[1]! & 0x80) | (this.payloadType & 0x7f);
  }
}
