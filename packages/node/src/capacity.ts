import type { CallType } from '@gwsim/dialplan';
import { negotiatedCodecs, type SessionDescription } from '@gwsim/media';

/** Pexip's call qualities, in HD-call units (DOMAIN.md §3 "Capacity"). */
export type CallQuality = 'audio' | 'sd' | 'hd' | 'fullhd';

export const HD_UNITS: Readonly<Record<CallQuality, number>> = Object.freeze({ audio: 1 / 16, sd: 0.5, hd: 1, fullhd: 2 });

/** VP9 costs 1.25× VP8/H.264. */
export const VP9_FACTOR = 1.25;

const ORDER: readonly CallQuality[] = ['audio', 'sd', 'hd', 'fullhd'];

/**
 * Video bandwidth (kbps) from which a call counts as HD and Full HD. gwsim convention: Pexip decides from the
 * negotiated resolution, which an RTP/AVP offer shows only through its bandwidth (b=AS / b=TIAS).
 */
export const QUALITY_THRESHOLDS_KBPS = Object.freeze({ hd: 1024, fullhd: 2560 });

function offeredKbps(sd: SessionDescription): number | null {
  const video = sd.media.find((m) => m.type === 'video' && m.port > 0);
  const lines = [...(video?.bandwidths ?? []), ...sd.bandwidths];
  for (const b of lines) {
    if (b.type.toUpperCase() === 'AS') return b.value;
    if (b.type.toUpperCase() === 'TIAS') return Math.round(b.value / 1000);
  }
  return null;
}

export interface CallCost {
  quality: CallQuality;
  videoCodec: string | null;
  /** HD units this call holds while it is up. */
  units: number;
}

/**
 * What a call costs, from the caller's offer and our answer: no accepted video (or a rule with
 * `call_type: audio`) → audio; otherwise the quality its bandwidth implies (offered b=AS/TIAS, capped by the
 * rule's max_callrate_in; HD when neither states one), capped by the node's maximum; ×1.25 for VP9.
 */
export function callCost(offer: SessionDescription, answer: SessionDescription, options: { callType?: CallType; maxQuality?: CallQuality; maxCallrateKbps?: number | null } = {}): CallCost {
  const streams = negotiatedCodecs(offer, answer);
  const video = streams.find((s) => s.type === 'video' && s.accepted);
  let quality: CallQuality;
  if (!video || options.callType === 'audio') quality = 'audio';
  else {
    // A rule's max_callrate_in caps what the call may use (Pexip: "maximum inbound call bandwidth").
    const offered = offeredKbps(offer);
    const cap = options.maxCallrateKbps ?? null;
    const kbps = offered === null ? cap : cap === null ? offered : Math.min(offered, cap);
    quality = kbps === null ? 'hd' : kbps >= QUALITY_THRESHOLDS_KBPS.fullhd ? 'fullhd' : kbps >= QUALITY_THRESHOLDS_KBPS.hd ? 'hd' : 'sd';
  }
  const max = options.maxQuality ?? 'fullhd';
  if (ORDER.indexOf(quality) > ORDER.indexOf(max)) quality = max;
  const videoCodec = quality === 'audio' ? null : (video?.codec?.name ?? null);
  const factor = videoCodec?.toUpperCase() === 'VP9' ? VP9_FACTOR : 1;
  return { quality, videoCodec, units: HD_UNITS[quality] * factor };
}

/** A node's HD-unit budget. Reservations are released exactly once. */
export class CapacityPool {
  readonly total: number;
  #used = 0;
  #calls = 0;

  constructor(totalUnits: number) {
    this.total = totalUnits;
  }

  get used(): number {
    return this.#used;
  }

  get available(): number {
    return Math.max(0, this.total - this.#used);
  }

  /** Reserve `units`, or null when they do not fit. */
  reserve(units: number): { release(): void } | null {
    // Sixteenths are exact in binary floating point; round away float noise from VP9 × 1.25 sums.
    if (Math.round((this.#used + units) * 1e6) > Math.round(this.total * 1e6)) return null;
    this.#used += units;
    this.#calls++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#used = Math.max(0, this.#used - units);
        this.#calls--;
      },
    };
  }

  dump(): { totalUnits: number; usedUnits: number; availableUnits: number; calls: number } {
    return { totalUnits: this.total, usedUnits: this.#used, availableUnits: this.available, calls: this.#calls };
  }
}
