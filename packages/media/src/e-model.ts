/**
 * Audio quality estimate: the ITU-T G.107 E-model, simplified for transmission planning of a VoIP leg.
 *
 *   R = Ro − Is − Id − Ie,eff + A,  with the G.107 default values Ro − Is = 93.2 and A = 0.
 *
 * - Id (delay): the Cole & Rosenbluth approximation of G.107's delay terms at default settings
 *   ("Voice over IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001):
 *   Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3), d = one-way mouth-to-ear delay in ms.
 * - Ie,eff (codec and loss, G.107 §3.6): Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl), Ppl in percent,
 *   BurstR = 1 for random loss, > 1 for bursty loss.
 * - MOS from R: G.107 Annex B (1 below R = 0, 4.5 above R = 100, else 1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶).
 *
 * Codec values: G.711 from ITU-T G.113 Appendix I (Ie = 0; Bpl = 4.3 without packet loss concealment,
 * 25.1 with the G.711 Appendix I PLC). Opus has no G.113 entry and we found no published narrowband
 * Ie/Bpl pair to cite; gwsim's convention is Opus = G.711 with PLC (Ie 0, Bpl 25.1): at speech bitrates
 * Opus is at least toll quality on the narrowband scale and conceals loss itself. Pass `{ ie, bpl }` to use
 * other values.
 */

/** Ro − Is with G.107 default parameters (and A = 0). */
export const R_DEFAULT = 93.2;

export interface CodecImpairment {
  /** Equipment impairment factor Ie (no loss). */
  readonly ie: number;
  /** Packet-loss robustness factor Bpl. */
  readonly bpl: number;
}

export type EModelCodec = 'pcmu' | 'pcmu-no-plc' | 'pcma' | 'opus';

export const CODEC_IMPAIRMENTS: Readonly<Record<EModelCodec, CodecImpairment>> = Object.freeze({
  pcmu: { ie: 0, bpl: 25.1 },
  'pcmu-no-plc': { ie: 0, bpl: 4.3 },
  pcma: { ie: 0, bpl: 25.1 },
  opus: { ie: 0, bpl: 25.1 },
});

export interface EModelInput {
  readonly codec: EModelCodec | CodecImpairment;
  /** One-way mouth-to-ear delay in ms (network + packetization + jitter buffer). */
  readonly oneWayDelayMs: number;
  /** Packet loss Ppl in percent (0–100). */
  readonly lossPercent: number;
  /** BurstR (default 1: random loss). */
  readonly burstRatio?: number;
}

export interface AudioQuality {
  readonly r: number;
  readonly mos: number;
  readonly id: number;
  readonly ieEff: number;
}

/** Id from one-way delay (Cole & Rosenbluth's approximation of G.107 at default settings). */
export function delayImpairment(oneWayDelayMs: number): number {
  const d = Math.max(0, oneWayDelayMs);
  return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
}

/** G.107 Ie,eff from the codec's Ie/Bpl, loss in percent and BurstR. */
export function effectiveEquipmentImpairment(codec: CodecImpairment, lossPercent: number, burstRatio = 1): number {
  const ppl = Math.min(100, Math.max(0, lossPercent));
  const burst = burstRatio > 0 ? burstRatio : 1;
  return codec.ie + ((95 - codec.ie) * ppl) / (ppl / burst + codec.bpl);
}

/** G.107 Annex B: MOS (conversational quality estimate) from R. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/**
 * BurstR of a two-state (Gilbert) loss model from the observed loss fraction and the mean length of loss
 * bursts in packets: (1 − loss) · meanBurst, which is 1 for random loss (mean burst 1 / (1 − loss)).
 */
export function burstRatio(lossFraction: number, meanBurstLength: number): number {
  if (!(lossFraction > 0) || !(meanBurstLength > 0) || lossFraction >= 1) return 1;
  return Math.max(1, (1 - lossFraction) * meanBurstLength);
}

/** R-factor and MOS for a leg. */
export function estimateAudioQuality(input: EModelInput): AudioQuality {
  const codec = typeof input.codec === 'string' ? CODEC_IMPAIRMENTS[input.codec] : input.codec;
  if (codec === undefined) throw new RangeError(`unknown E-model codec ${String(input.codec)}; use ${Object.keys(CODEC_IMPAIRMENTS).join(', ')} or { ie, bpl }`);
  const id = delayImpairment(input.oneWayDelayMs);
  const ieEff = effectiveEquipmentImpairment(codec, input.lossPercent, input.burstRatio ?? 1);
  const r = R_DEFAULT - id - ieEff;
  return { r, mos: mosFromR(r), id, ieEff };
}
