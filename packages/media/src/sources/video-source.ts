/**
 * A synthetic VP8 video source (RFC 7741): frames at a configurable rate whose sizes follow the bitrate,
 * keyframes `keyframeFactor` times larger than delta frames every `keyframeIntervalS`, each frame split
 * into packets of at most `maxPacketBytes`. Every packet carries the VP8 payload descriptor (X=1, I=1 with
 * a 15-bit PictureID; S=1 and PID=0 on the frame's first packet); the first packet starts the VP8 payload
 * header (RFC 7741 §4.3: P=0 on keyframes, which also carry the start code and dimensions). All packets of
 * a frame share its RTP timestamp; the last has the marker bit. Every payload ends with a probe trailer.
 *
 * `contentSource()` is the presentation stream (SDP `a=content:slides`, RFC 4796): the same source at a
 * low frame rate and bitrate. Driven by `tick`; packets come from a pool.
 */
import { ConfigError } from '@gwsim/common';
import { PROBE_BYTES, probeClockUs, writeProbe, type ProbeOrigin } from '../probe-payload.ts';
import { RTP_HEADER_BYTES, writeRtpHeaderFields } from '../rtp.ts';
import { PacketPool } from './packet-pool.ts';
import { numberOption, random32, type PacketSink, type SyntheticSource } from './source-options.ts';

/** RFC 4796 content role of a video stream. */
export type VideoContent = 'main' | 'slides';

export interface VideoSourceOptions {
  /** Default 96. */
  readonly payloadType?: number;
  readonly ssrc?: number;
  readonly streamId?: number;
  readonly origin?: ProbeOrigin;
  /** Frames per second (default 30; 5 for content). */
  readonly frameRate?: number;
  /** Target bit/s of RTP payload (default 1,000,000; 300,000 for content). */
  readonly bitrate?: number;
  /** Seconds between keyframes (default 2; the first frame is always one). */
  readonly keyframeIntervalS?: number;
  /** Keyframe size relative to a delta frame (default 4). */
  readonly keyframeFactor?: number;
  /** Largest RTP packet, header included (default 1200). */
  readonly maxPacketBytes?: number;
  /** Picture size written in keyframes (default 1280×720; 1920×1080 for content). */
  readonly width?: number;
  readonly height?: number;
  readonly content?: VideoContent;
  readonly pool?: PacketPool;
  /** After a stall longer than this, late frames are skipped (default 200 ms). */
  readonly maxLagMs?: number;
  readonly clockUs?: () => number;
}

/** Payload descriptor bytes we write: X|S|PID, I, M|PictureID (15 bits). */
export const VP8_DESCRIPTOR_BYTES = 4;
const PER_PACKET_OVERHEAD = VP8_DESCRIPTOR_BYTES + PROBE_BYTES;
const VP8_CLOCK_RATE = 90_000;

export class VideoSource implements SyntheticSource {
  readonly kind = 'video';
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate = VP8_CLOCK_RATE;
  readonly streamId: number;
  readonly origin: ProbeOrigin;
  readonly content: VideoContent;
  readonly frameRate: number;
  readonly bitrate: number;
  readonly maxPacketBytes: number;
  /** Frames between keyframes. */
  readonly keyframeInterval: number;
  /** RTP payload bytes of a delta frame and of a keyframe. */
  readonly deltaFrameBytes: number;
  readonly keyframeBytes: number;
  packets = 0;
  bytes = 0;
  frames = 0;
  keyframes = 0;
  skippedFrames = 0;
  readonly #width: number;
  readonly #height: number;
  readonly #pool: PacketPool;
  readonly #maxLagMs: number;
  readonly #clockUs: () => number;
  readonly #tsBase = random32();
  #seq = random32() & 0xffff;
  #pictureId = random32() & 0x7fff;
  #frame = 0;
  #startMs = -1;
  #probeSeq = 0;
  #keyframeRequested = false;

  constructor(options: VideoSourceOptions = {}, path = 'video') {
    this.content = options.content ?? 'main';
    const slides = this.content === 'slides';
    this.payloadType = numberOption(options.payloadType, 96, `${path}.payloadType`, 0, 127, true);
    this.ssrc = numberOption(options.ssrc, random32(), `${path}.ssrc`, 0, 0xffffffff, true);
    this.streamId = numberOption(options.streamId, random32(), `${path}.streamId`, 0, 0xffffffff, true);
    this.origin = options.origin ?? 'endpoint';
    this.frameRate = numberOption(options.frameRate, slides ? 5 : 30, `${path}.frameRate`, 0.1, 120);
    this.bitrate = numberOption(options.bitrate, slides ? 300_000 : 1_000_000, `${path}.bitrate`, 8_000, 50_000_000, true);
    this.maxPacketBytes = numberOption(options.maxPacketBytes, 1200, `${path}.maxPacketBytes`, RTP_HEADER_BYTES + PER_PACKET_OVERHEAD + 64, 9000, true);
    const interval = numberOption(options.keyframeIntervalS, 2, `${path}.keyframeIntervalS`, 0, 3600);
    this.keyframeInterval = Math.max(1, Math.round(interval * this.frameRate));
    const factor = numberOption(options.keyframeFactor, 4, `${path}.keyframeFactor`, 1, 100);
    const average = this.bitrate / 8 / this.frameRate;
    const minFrame = PER_PACKET_OVERHEAD + 16;
    this.deltaFrameBytes = Math.max(minFrame, Math.round((average * this.keyframeInterval) / (this.keyframeInterval - 1 + factor)));
    this.keyframeBytes = Math.max(minFrame, Math.round(this.deltaFrameBytes * factor));
    this.#width = numberOption(options.width, slides ? 1920 : 1280, `${path}.width`, 1, 16383, true);
    this.#height = numberOption(options.height, slides ? 1080 : 720, `${path}.height`, 1, 16383, true);
    this.#maxLagMs = numberOption(options.maxLagMs, 200, `${path}.maxLagMs`, 0, 60_000);
    // worst tick (see PacketPool): every frame within maxLagMs, scheduled keyframes plus a requested one
    const frames = Math.floor(this.#maxLagMs / (1000 / this.frameRate)) + 2;
    const keys = Math.min(frames, Math.ceil(frames / this.keyframeInterval) + 1);
    const worst = keys * this.packetsPerFrame(this.keyframeBytes) + (frames - keys) * this.packetsPerFrame(this.deltaFrameBytes);
    this.#pool = options.pool ?? new PacketPool(Math.max(64, worst + 8), this.maxPacketBytes);
    if (this.#pool.bufferBytes < this.maxPacketBytes) throw new ConfigError(`${path}.pool`, `buffers must hold maxPacketBytes (${this.maxPacketBytes})`);
    this.#clockUs = options.clockUs ?? probeClockUs;
  }

  /** Make the next frame a keyframe (what a PLI or FIR asks for). */
  requestKeyframe(): void {
    this.#keyframeRequested = true;
  }

  /** Packets one frame of `bytes` RTP payload bytes is split into. */
  packetsPerFrame(bytes: number): number {
    return Math.ceil(bytes / (this.maxPacketBytes - RTP_HEADER_BYTES));
  }

  tick(nowMs: number, sink: PacketSink): number {
    if (this.#startMs < 0) this.#startMs = nowMs;
    const frameMs = 1000 / this.frameRate;
    let sent = 0;
    let sendUs = -1;
    for (;;) {
      const due = this.#startMs + this.#frame * frameMs;
      if (due > nowMs) break;
      if (nowMs - due > this.#maxLagMs) {
        const skip = Math.floor((nowMs - this.#maxLagMs - due) / frameMs) + 1;
        this.#frame += skip;
        this.skippedFrames += skip;
        this.#keyframeRequested = true; // a decoder that missed frames needs one
        continue;
      }
      if (sendUs < 0) sendUs = this.#clockUs();
      sent += this.#emitFrame(sendUs, sink);
    }
    return sent;
  }

  #emitFrame(sendUs: number, sink: PacketSink): number {
    const index = this.#frame++;
    const key = index % this.keyframeInterval === 0 || this.#keyframeRequested;
    this.#keyframeRequested = false;
    const frameBytes = key ? this.keyframeBytes : this.deltaFrameBytes;
    const count = this.packetsPerFrame(frameBytes);
    const base = Math.floor(frameBytes / count);
    const extra = frameBytes - base * count;
    const timestamp = (this.#tsBase + Math.round((index * VP8_CLOCK_RATE) / this.frameRate)) >>> 0;
    const pictureId = this.#pictureId;
    this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    for (let i = 0; i < count; i++) {
      const buf = this.#pool.next();
      const payload = base + (i < extra ? 1 : 0);
      const length = RTP_HEADER_BYTES + payload;
      writeRtpHeaderFields(buf, this.payloadType, this.#seq, timestamp, this.ssrc, i === count - 1);
      let at = RTP_HEADER_BYTES;
      buf[at] = 0x80 | (i === 0 ? 0x10 : 0); // X, S on the first packet, PID 0
      buf[at + 1] = 0x80; // I: PictureID present
      buf.writeUInt16BE(0x8000 | pictureId, at + 2); // M: 15-bit PictureID
      at += VP8_DESCRIPTOR_BYTES;
      const end = length - PROBE_BYTES;
      if (i === 0) at = this.#writeFrameHeader(buf, at, key, frameBytes - count * PER_PACKET_OVERHEAD);
      buf.fill(0, at, end);
      writeProbe(buf, length, this.streamId, this.#probeSeq++, sendUs, this.origin);
      this.#seq = (this.#seq + 1) & 0xffff;
      this.packets++;
      this.bytes += length;
      sink(buf, length);
    }
    this.frames++;
    if (key) this.keyframes++;
    return count;
  }

  /** RFC 7741 §4.3 payload header (3 bytes), plus start code and dimensions on keyframes (RFC 6386 §9.1). */
  #writeFrameHeader(buf: Buffer, at: number, key: boolean, bitstreamBytes: number): number {
    const firstPartition = Math.max(0, Math.min(0x7ffff, bitstreamBytes - (key ? 10 : 3)));
    buf[at] = ((firstPartition & 0x7) << 5) | 0x10 | (key ? 0 : 1); // size0, show_frame, version 0, P
    buf[at + 1] = (firstPartition >> 3) & 0xff;
    buf[at + 2] = (firstPartition >> 11) & 0xff;
    if (!key) return at + 3;
    buf[at + 3] = 0x9d;
    buf[at + 4] = 0x01;
    buf[at + 5] = 0x2a;
    buf.writeUInt16LE(this.#width, at + 6);
    buf.writeUInt16LE(this.#height, at + 8);
    return at + 10;
  }
}

/** The presentation stream (`a=content:slides`): a VideoSource at 5 fps and 300 kbit/s unless told otherwise. */
export function contentSource(options: VideoSourceOptions = {}, path = 'content'): VideoSource {
  return new VideoSource({ ...options, content: 'slides' }, path);
}

/** The parts of a VP8 payload descriptor a receiver or bridge needs (RFC 7741 §4.2), or null if truncated. */
export function readVp8Descriptor(payload: Buffer): { start: boolean; partitionId: number; pictureId: number | null; headerBytes: number } | null {
  if (payload.length < 1) return null;
  const b0 = payload[0]!;
  let at = 1;
  let pictureId: number | null = null;
  if (b0 & 0x80) {
    if (payload.length < 2) return null;
    const x = payload[1]!;
    at = 2;
    if (x & 0x80) {
      if (payload.length < at + 1) return null;
      if (payload[at]! & 0x80) {
        if (payload.length < at + 2) return null;
        pictureId = payload.readUInt16BE(at) & 0x7fff;
        at += 2;
      } else {
        pictureId = payload[at]! & 0x7f;
        at += 1;
      }
    }
    if (x & 0x40) at += 1; // TL0PICIDX
    if (x & 0x30) at += 1; // TID/Y/KEYIDX
    if (payload.length < at) return null;
  }
  return { start: (b0 & 0x10) !== 0, partitionId: b0 & 0x07, pictureId, headerBytes: at };
}

/** Whether a VP8 packet starts a keyframe (S=1, PID=0, payload header P bit clear). */
export function isVp8Keyframe(payload: Buffer): boolean {
  const d = readVp8Descriptor(payload);
  return d !== null && d.start && d.partitionId === 0 && payload.length > d.headerBytes && (payload[d.headerBytes]! & 0x01) === 0;
}
