/** Option checking shared by the synthetic sources: ConfigError naming the field path and what is allowed. */
import { ConfigError } from '@gwsim/common';

export function numberOption(value: number | undefined, fallback: number, path: string, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(path, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** A random 32-bit identifier (SSRC, stream id, initial timestamp); not for secrets. */
export function random32(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

/** Receives one finished RTP packet: the first `length` bytes of `packet` (a pool buffer, valid until reused). */
export type PacketSink = (packet: Buffer, length: number) => void;

/** What every synthetic source has: identity, counters and the tick that emits what is due. */
export interface SyntheticSource {
  readonly kind: 'audio' | 'video';
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly streamId: number;
  /** RTP packets and bytes (header + payload) emitted. */
  readonly packets: number;
  readonly bytes: number;
  /** Send every packet due at `nowMs` (a monotonic ms clock shared by one ticker); returns how many. */
  tick(nowMs: number, sink: PacketSink): number;
}
