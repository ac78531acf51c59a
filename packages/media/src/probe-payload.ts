/**
 * The measurable payload: every synthetic RTP payload ends with a 24-byte probe trailer, so any hop can
 * read which stream a packet belongs to, its per-stream sequence number, when it was sent and who produced
 * it, whatever codec framing (VP8 descriptor, Opus TOC) sits in front:
 *
 * ```
 * end-24  magic "GWPB" (4)   end-20  version 1 (1)   end-19  origin tag (1)   end-18  flags (2, 0)
 * end-16  stream id (u32)    end-12  sequence (u32)  end-8   send time µs, high u32 · low u32
 * ```
 *
 * The send time is `probeClockUs()`: microseconds on the Unix epoch from `performance.timeOrigin +
 * performance.now()`, monotonic within a process and comparable between processes on one host, so one-way
 * delay can be measured across hops and round-trip time by the sender when its payloads come back.
 *
 * Relation to `media-markers.ts`: the origin tag supersedes the GWSIM-LOBBY / -MEETING / -RECEPTION
 * frames for new media (`node-lobby`, `node-meeting`, `node-reception` say the same thing), but the marked
 * frames stay as they are for their current users; a frame can carry both, since markers sit at the start
 * of the payload and the probe at its end. `payloadOrigin` reads either.
 */
import { markedState, type MarkedState } from './media-markers.ts';

export const PROBE_BYTES = 24;
export const PROBE_MAGIC = 0x47575042; // "GWPB"
export const PROBE_VERSION = 1;

/** Who produced a payload (one byte on the wire). */
export const PROBE_ORIGINS = Object.freeze({
  endpoint: 1,
  'node-lobby': 2,
  'node-reception': 3,
  'meet-echo': 4,
  'meet-synthetic': 5,
  'node-meeting': 6,
} as const);

export type ProbeOrigin = keyof typeof PROBE_ORIGINS;

const ORIGIN_BY_CODE: readonly (ProbeOrigin | undefined)[] = (() => {
  const out: (ProbeOrigin | undefined)[] = [];
  for (const [name, code] of Object.entries(PROBE_ORIGINS)) out[code] = name as ProbeOrigin;
  return out;
})();

/** Fields of a probe trailer; `readProbe` fills a caller-owned object of this shape. */
export interface ProbeFields {
  streamId: number;
  sequence: number;
  /** Send time in µs on the probe clock. */
  sendTimeUs: number;
  origin: ProbeOrigin;
}

/** Microseconds on the Unix epoch, sub-ms resolution, monotonic within a process. */
export function probeClockUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** A reusable output object for `readProbe`. */
export function emptyProbe(): ProbeFields {
  return { streamId: 0, sequence: 0, sendTimeUs: 0, origin: 'endpoint' };
}

/**
 * Write the trailer into `buf` so that it ends at `end` (the payload's end), without allocating. Bytes
 * before it are the caller's (codec header and padding).
 */
export function writeProbe(buf: Buffer, end: number, streamId: number, sequence: number, sendTimeUs: number, origin: ProbeOrigin): void {
  const at = end - PROBE_BYTES;
  if (at < 0 || end > buf.length) throw new RangeError(`a probe needs ${PROBE_BYTES} bytes ending at ${end} in a ${buf.length}-byte buffer`);
  buf.writeUInt32BE(PROBE_MAGIC, at);
  buf[at + 4] = PROBE_VERSION;
  buf[at + 5] = PROBE_ORIGINS[origin];
  buf[at + 6] = 0;
  buf[at + 7] = 0;
  buf.writeUInt32BE(streamId >>> 0, at + 8);
  buf.writeUInt32BE(sequence >>> 0, at + 12);
  buf.writeUInt32BE(Math.floor(sendTimeUs / 0x1_0000_0000) >>> 0, at + 16);
  buf.writeUInt32BE(sendTimeUs >>> 0, at + 20);
}

function trailerAt(payload: Buffer, end: number): number {
  const at = end - PROBE_BYTES;
  if (at < 0 || end > payload.length) return -1;
  if (payload.readUInt32BE(at) !== PROBE_MAGIC || payload[at + 4] !== PROBE_VERSION) return -1;
  return ORIGIN_BY_CODE[payload[at + 5]!] === undefined ? -1 : at;
}

/** Read the trailer ending at `end` (default: the buffer's end) into `out`; false when there is none. */
export function readProbe(payload: Buffer, out: ProbeFields, end = payload.length): boolean {
  const at = trailerAt(payload, end);
  if (at < 0) return false;
  out.origin = ORIGIN_BY_CODE[payload[at + 5]!]!;
  out.streamId = payload.readUInt32BE(at + 8);
  out.sequence = payload.readUInt32BE(at + 12);
  out.sendTimeUs = payload.readUInt32BE(at + 16) * 0x1_0000_0000 + payload.readUInt32BE(at + 20);
  return true;
}

/** Rewrite the origin tag in place (an echo marks what it reflects); false when there is no trailer. */
export function setProbeOrigin(payload: Buffer, origin: ProbeOrigin, end = payload.length): boolean {
  const at = trailerAt(payload, end);
  if (at < 0) return false;
  payload[at + 5] = PROBE_ORIGINS[origin];
  return true;
}

const ORIGIN_OF_MARK: Readonly<Record<MarkedState, ProbeOrigin>> = { lobby: 'node-lobby', meeting: 'node-meeting', reception: 'node-reception' };

/** Who produced a payload: the probe trailer's origin tag, else the marked frame's state, else null. */
export function payloadOrigin(payload: Buffer): ProbeOrigin | null {
  const at = trailerAt(payload, payload.length);
  if (at >= 0) return ORIGIN_BY_CODE[payload[at + 5]!]!;
  const state = markedState(payload);
  return state === null ? null : ORIGIN_OF_MARK[state];
}
