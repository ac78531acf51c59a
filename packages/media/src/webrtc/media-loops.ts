/**
 * What a simulated far end does with a WebRtcPeer's media, per track:
 *
 * - `echo`: every RTP packet received is sent back on the track it came in on (same payload, sequence
 *   number, timestamp and marker; this side's SSRC and payload type).
 * - `synthetic`: a generated packet on every track at a fixed rate, whose payload is recognisable
 *   (`GWSIM-SYNTH`, the track kind, a per-track counter), so the receiver can count loss and reordering.
 *
 * A loop can be started and stopped any number of times (Meet holds media while a caller is in the lobby).
 */
import { systemClock, type Clock, type TimerHandle } from '@gwsim/common';
import type { MediaKind } from './webrtc-peer-types.ts';
import type { WebRtcPeer } from './webrtc-peer.ts';

export type MediaMode = 'echo' | 'synthetic';

export const MEDIA_MODES: readonly MediaMode[] = Object.freeze(['echo', 'synthetic']);

export interface MediaLoop {
  readonly mode: MediaMode;
  readonly running: boolean;
  start(): void;
  stop(): void;
}

export function echoLoop(peer: WebRtcPeer): MediaLoop {
  let running = false;
  return {
    mode: 'echo',
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      for (const track of peer.tracks) track.onRtp((packet, t) => t.forward(packet));
    },
    stop() {
      running = false;
      for (const track of peer.tracks) track.onRtp(null);
    },
  };
}

export const SYNTHETIC_MARKER = 'GWSIM-SYNTH';
const MARKER_BYTES = SYNTHETIC_MARKER.length;
/** Marker, kind letter, 32-bit counter. */
const SYNTHETIC_HEADER_BYTES = MARKER_BYTES + 1 + 4;
export const DEFAULT_SYNTHETIC_INTERVAL_MS = 20;
/** Payload sizes: about a 20 ms Opus frame and a small video packet. */
export const SYNTHETIC_PAYLOAD_BYTES: Readonly<Record<MediaKind, number>> = Object.freeze({ audio: 120, video: 1000 });
const CLOCK_RATE: Readonly<Record<MediaKind, number>> = Object.freeze({ audio: 48_000, video: 90_000 });

/** A synthetic payload: `GWSIM-SYNTH`, `A` or `V`, the counter (big-endian uint32), zero padding. */
export function syntheticPayload(kind: MediaKind, counter: number, size = SYNTHETIC_PAYLOAD_BYTES[kind]): Buffer {
  const buf = Buffer.alloc(Math.max(size, SYNTHETIC_HEADER_BYTES));
  buf.write(SYNTHETIC_MARKER, 0, 'latin1');
  buf[MARKER_BYTES] = kind === 'audio' ? 0x41 : 0x56;
  buf.writeUInt32BE(counter >>> 0, MARKER_BYTES + 1);
  return buf;
}

/** The kind and counter of a synthetic payload, or null for anything else. */
export function readSyntheticPayload(payload: Buffer): { kind: MediaKind; counter: number } | null {
  if (payload.length < SYNTHETIC_HEADER_BYTES || payload.toString('latin1', 0, MARKER_BYTES) !== SYNTHETIC_MARKER) return null;
  const letter = payload[MARKER_BYTES];
  if (letter !== 0x41 && letter !== 0x56) return null;
  return { kind: letter === 0x41 ? 'audio' : 'video', counter: payload.readUInt32BE(MARKER_BYTES + 1) };
}

export interface SyntheticOptions {
  /** Packets are sent on every track each interval (default 20 ms: 50 packets/s per track). */
  readonly intervalMs?: number;
  readonly clock?: Clock;
}

export function syntheticLoop(peer: WebRtcPeer, options: SyntheticOptions = {}): MediaLoop {
  const intervalMs = options.intervalMs ?? DEFAULT_SYNTHETIC_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`intervalMs must be a positive integer, got ${intervalMs}`);
  const clock = options.clock ?? systemClock;
  const counters = new Map<string, number>();
  let timer: TimerHandle | undefined;
  const tick = () => {
    for (const track of peer.tracks) {
      const counter = counters.get(track.mid) ?? 0;
      const step = (CLOCK_RATE[track.kind] * intervalMs) / 1000;
      if (track.send(syntheticPayload(track.kind, counter), { timestampStep: step })) counters.set(track.mid, counter + 1);
    }
    timer = clock.setTimeout(tick, intervalMs);
  };
  return {
    mode: 'synthetic',
    get running() {
      return timer !== undefined;
    },
    start() {
      timer ??= clock.setTimeout(tick, 0);
    },
    stop() {
      timer?.cancel();
      timer = undefined;
    },
  };
}

/** The loop for a mode. */
export function mediaLoop(mode: MediaMode, peer: WebRtcPeer, options: SyntheticOptions = {}): MediaLoop {
  return mode === 'echo' ? echoLoop(peer) : syntheticLoop(peer, options);
}
