/**
 * RTP payload formats: the static payload type table of RFC 3551 §6, the codecs a simulated room system
 * offers by default, and codec identity for offer/answer (encoding name case-insensitively, clock rate,
 * channels with 1 as the default).
 */
import { fmtpFor, rtpMapFor } from './sdp-attributes.ts';
import type { MediaDescription } from './sdp-types.ts';

export interface RtpCodec {
  payloadType: number;
  name: string;
  clockRate: number;
  /** Audio channels; absent means 1. */
  channels?: number;
  /** fmtp parameter string (`0-16`, `profile-level-id=42e01f;packetization-mode=1`). */
  fmtp?: string;
}

/** RFC 3551 §6 static payload types (the ones seen from SIP video endpoints). */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<number, Omit<RtpCodec, 'payloadType'>>> = Object.freeze({
  0: { name: 'PCMU', clockRate: 8000 },
  3: { name: 'GSM', clockRate: 8000 },
  4: { name: 'G723', clockRate: 8000 },
  8: { name: 'PCMA', clockRate: 8000 },
  9: { name: 'G722', clockRate: 8000 },
  13: { name: 'CN', clockRate: 8000 },
  18: { name: 'G729', clockRate: 8000 },
  26: { name: 'JPEG', clockRate: 90000 },
  31: { name: 'H261', clockRate: 90000 },
  34: { name: 'H263', clockRate: 90000 },
});

export const TELEPHONE_EVENT = 'telephone-event';

/** Formats that never carry the primary media of a stream. */
const AUXILIARY = new Set(['telephone-event', 'cn', 'red', 'ulpfec', 'flexfec-03', 'rtx']);

export function isAuxiliary(codec: Pick<RtpCodec, 'name'>): boolean {
  return AUXILIARY.has(codec.name.toLowerCase());
}

export const DEFAULT_AUDIO_CODECS: readonly RtpCodec[] = Object.freeze([
  { payloadType: 0, name: 'PCMU', clockRate: 8000 },
  { payloadType: 8, name: 'PCMA', clockRate: 8000 },
  { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2 },
  { payloadType: 101, name: TELEPHONE_EVENT, clockRate: 8000, fmtp: '0-16' },
]);

export const DEFAULT_VIDEO_CODECS: readonly RtpCodec[] = Object.freeze([
  { payloadType: 97, name: 'H264', clockRate: 90000, fmtp: 'profile-level-id=42e01f;packetization-mode=1' },
]);

/** VP8 (RFC 7741) on a dynamic payload type: what the synthetic VideoSource sends and WebRTC legs prefer. */
export const VP8_CODEC: Readonly<RtpCodec> = Object.freeze({ payloadType: 96, name: 'VP8', clockRate: 90000 });

export function sameCodec(a: Omit<RtpCodec, 'payloadType'>, b: Omit<RtpCodec, 'payloadType'>): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate && (a.channels ?? 1) === (b.channels ?? 1);
}

/**
 * Resolve one format of an RTP m= section to a codec: its rtpmap, else the static table (else the rtpmap of
 * `fallback`, e.g. the offer when reading an answer). Undefined for an unknown dynamic type.
 */
export function codecFor(media: MediaDescription, format: string, fallback?: MediaDescription): RtpCodec | undefined {
  if (!/^\d{1,3}$/.test(format)) return undefined;
  const pt = Number(format);
  const map = rtpMapFor(media, pt) ?? (fallback ? rtpMapFor(fallback, pt) : undefined);
  const base = map ? { name: map.encodingName, clockRate: map.clockRate, channels: map.channels } : STATIC_PAYLOAD_TYPES[pt];
  if (base === undefined) return undefined;
  const codec: RtpCodec = { payloadType: pt, name: base.name, clockRate: base.clockRate };
  if (base.channels !== undefined) codec.channels = base.channels;
  const fmtp = fmtpFor(media, pt) ?? (fallback && !rtpMapFor(media, pt) ? fmtpFor(fallback, pt) : undefined);
  if (fmtp !== undefined) codec.fmtp = fmtp;
  return codec;
}

/** Every resolvable format of a section, in m= line order. */
export function codecsOf(media: MediaDescription, fallback?: MediaDescription): RtpCodec[] {
  const out: RtpCodec[] = [];
  for (const f of media.formats) {
    const codec = codecFor(media, f, fallback);
    if (codec) out.push(codec);
  }
  return out;
}
