/**
 * A synthetic audio source: one packet per packetization interval (20 ms by default), PCMU (RFC 3551: 8 kHz,
 * one byte per sample, 160 bytes per 20 ms of µ-law silence) or Opus-sized (RFC 7587: 48 kHz RTP clock, a
 * CELT-only TOC byte, payload size from the bitrate). Every payload ends with a probe trailer. With a
 * talkspurt pattern the source is silent (sends nothing, as with DTX) between spurts, and sets the marker
 * bit on the first packet of each talkspurt (RFC 3551 §4.1). Driven by `tick`; packets come from a pool.
 */
import { ConfigError } from '@gwsim/common';
import { PROBE_BYTES, probeClockUs, writeProbe, type ProbeOrigin } from '../probe-payload.ts';
import { RTP_HEADER_BYTES, writeRtpHeaderFields } from '../rtp.ts';
import { PacketPool } from './packet-pool.ts';
import { numberOption, random32, type PacketSink, type SyntheticSource } from './source-options.ts';

export type AudioCodecName = 'pcmu' | 'opus';

export interface AudioSourceOptions {
  readonly codec?: AudioCodecName;
  /** Default 0 (PCMU) or 111 (Opus); use the negotiated one. */
  readonly payloadType?: number;
  readonly ssrc?: number;
  /** Probe stream id (default random). */
  readonly streamId?: number;
  readonly origin?: ProbeOrigin;
  /** Packetization in ms: 10–60 for PCMU, 10 or 20 for Opus (default 20). */
  readonly ptimeMs?: number;
  /** Opus bitrate in bit/s (default 32000: 80-byte payloads at 20 ms). */
  readonly opusBitrate?: number;
  /** Speak `talkMs`, then stay silent `silenceMs`, repeatedly (default: one endless talkspurt). */
  readonly talkspurt?: { readonly talkMs: number; readonly silenceMs: number };
  readonly pool?: PacketPool;
  /** After a stall longer than this, late packets are skipped instead of sent in a burst (default 200 ms). */
  readonly maxLagMs?: number;
  /** Probe clock (default `probeClockUs`). */
  readonly clockUs?: () => number;
}

/** Opus TOC byte for a CELT-only fullband mono frame of 10 ms (config 30) or 20 ms (config 31), code 0. */
const OPUS_TOC: Readonly<Record<number, number>> = { 10: 30 << 3, 20: 31 << 3 };

export class AudioSource implements SyntheticSource {
  readonly kind = 'audio';
  readonly codec: AudioCodecName;
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly streamId: number;
  readonly origin: ProbeOrigin;
  readonly ptimeMs: number;
  /** RTP payload bytes per packet. */
  readonly payloadBytes: number;
  packets = 0;
  bytes = 0;
  /** Intervals not sent: silence between talkspurts, or skipped after a stall. */
  silentIntervals = 0;
  skippedIntervals = 0;
  readonly #pool: PacketPool;
  readonly #step: number;
  readonly #talkIntervals: number;
  readonly #cycleIntervals: number;
  readonly #maxLagMs: number;
  readonly #clockUs: () => number;
  #seq = random32() & 0xffff;
  readonly #tsBase = random32();
  #interval = 0;
  #startMs = -1;
  #probeSeq = 0;

  constructor(options: AudioSourceOptions = {}, path = 'audio') {
    this.codec = options.codec ?? 'pcmu';
    if (this.codec !== 'pcmu' && this.codec !== 'opus') throw new ConfigError(`${path}.codec`, `must be "pcmu" or "opus", got ${String(this.codec)}`);
    const opus = this.codec === 'opus';
    this.payloadType = numberOption(options.payloadType, opus ? 111 : 0, `${path}.payloadType`, 0, 127, true);
    this.ssrc = numberOption(options.ssrc, random32(), `${path}.ssrc`, 0, 0xffffffff, true);
    this.streamId = numberOption(options.streamId, random32(), `${path}.streamId`, 0, 0xffffffff, true);
    this.origin = options.origin ?? 'endpoint';
    this.ptimeMs = opus
      ? numberOption(options.ptimeMs, 20, `${path}.ptimeMs`, 10, 20, true)
      : numberOption(options.ptimeMs, 20, `${path}.ptimeMs`, 10, 60, true);
    if (opus && OPUS_TOC[this.ptimeMs] === undefined) throw new ConfigError(`${path}.ptimeMs`, `must be 10 or 20 for Opus, got ${this.ptimeMs}`);
    this.clockRate = opus ? 48_000 : 8000;
    this.#step = (this.clockRate * this.ptimeMs) / 1000;
    const bitrate = numberOption(options.opusBitrate, 32_000, `${path}.opusBitrate`, 6000, 510_000, true);
    this.payloadBytes = opus ? Math.max(PROBE_BYTES + 1, Math.round((bitrate * this.ptimeMs) / 8000)) : 8 * this.ptimeMs;
    this.#maxLagMs = numberOption(options.maxLagMs, 200, `${path}.maxLagMs`, 0, 60_000);
    // one tick emits at most the packets of maxLagMs plus one interval (see PacketPool)
    this.#pool = options.pool ?? new PacketPool(Math.max(16, Math.ceil(this.#maxLagMs / this.ptimeMs) + 8), RTP_HEADER_BYTES + this.payloadBytes);
    if (this.#pool.bufferBytes < RTP_HEADER_BYTES + this.payloadBytes) throw new ConfigError(`${path}.pool`, `buffers must hold ${RTP_HEADER_BYTES + this.payloadBytes} bytes`);
    const talkMs = numberOption(options.talkspurt?.talkMs, Infinity, `${path}.talkspurt.talkMs`, this.ptimeMs, Infinity);
    const silenceMs = numberOption(options.talkspurt?.silenceMs, 0, `${path}.talkspurt.silenceMs`, 0, 3_600_000);
    this.#talkIntervals = Math.round(talkMs / this.ptimeMs);
    this.#cycleIntervals = this.#talkIntervals + Math.round(silenceMs / this.ptimeMs);
    this.#clockUs = options.clockUs ?? probeClockUs;
  }

  tick(nowMs: number, sink: PacketSink): number {
    if (this.#startMs < 0) this.#startMs = nowMs;
    let sent = 0;
    let sendUs = -1;
    for (;;) {
      const due = this.#startMs + this.#interval * this.ptimeMs;
      if (due > nowMs) break;
      if (nowMs - due > this.#maxLagMs) {
        const skip = Math.floor((nowMs - this.#maxLagMs - due) / this.ptimeMs) + 1;
        this.#interval += skip;
        this.skippedIntervals += skip;
        continue;
      }
      const index = this.#interval++;
      const phase = this.#cycleIntervals === Infinity ? index : index % this.#cycleIntervals;
      if (phase >= this.#talkIntervals) {
        this.silentIntervals++;
        continue;
      }
      if (sendUs < 0) sendUs = this.#clockUs();
      // marker: the first packet, and the first of every talkspurt that follows silence
      this.#emit(index, phase === 0 && (index === 0 || this.#cycleIntervals > this.#talkIntervals), sendUs, sink);
      sent++;
    }
    return sent;
  }

  #emit(index: number, marker: boolean, sendUs: number, sink: PacketSink): void {
    const buf = this.#pool.next();
    const length = RTP_HEADER_BYTES + this.payloadBytes;
    writeRtpHeaderFields(buf, this.payloadType, this.#seq, (this.#tsBase + index * this.#step) >>> 0, this.ssrc, marker);
    if (this.codec === 'opus') {
      buf[RTP_HEADER_BYTES] = OPUS_TOC[this.ptimeMs]!;
      buf.fill(0, RTP_HEADER_BYTES + 1, length - PROBE_BYTES);
    } else {
      buf.fill(0xff, RTP_HEADER_BYTES, length - PROBE_BYTES); // µ-law silence
    }
    writeProbe(buf, length, this.streamId, this.#probeSeq++, sendUs, this.origin);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.packets++;
    this.bytes += length;
    sink(buf, length);
  }
}
