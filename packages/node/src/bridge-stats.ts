/**
 * What a call's media bridge counts (call-bridge.ts): packets and bytes at each hop of the path
 * endpoint → node → Meet → node → endpoint, per stream, and RFC 3550 loss on the two legs the node receives.
 */
import { RtpReceiverStats } from '@gwsim/media';

/** The four hops a bridged call's media crosses, as the node sees them. */
export const MEDIA_HOPS = Object.freeze(['endpoint_to_node', 'node_to_meet', 'meet_to_node', 'node_to_endpoint'] as const);
export type MediaHop = (typeof MEDIA_HOPS)[number];

export type BridgeStreamName = 'audio' | 'video' | 'content';

export interface HopCount {
  packets: number;
  /** RTP bytes, header included (the WebRTC side counts a 12-byte header per packet; SRTP overhead excluded). */
  bytes: number;
}

export interface LegLoss {
  /** RFC 3550 A.3 over every source received on the leg. */
  expected: number;
  lost: number;
}

export interface BridgeStreamStats {
  hops: Record<MediaHop, HopCount>;
  /** Loss of what arrived from the endpoint (plain RTP) and from Meet (SRTP, after decryption). */
  loss: { endpoint: LegLoss; meet: LegLoss };
  /** Packets from the endpoint not forwarded: lobby (media held), peer not connected yet, DTMF. */
  held: number;
  /** The node's own media sent to the endpoint on this stream (lobby splash with probe origin node-lobby). */
  local: HopCount;
}

export type BridgeMode = 'idle' | 'held' | 'forwarding' | 'closed';

/** How presentation content reaches Meet: its own m= section, or muxed onto the video track (see call-bridge.ts). */
export type ContentTransport = 'track' | 'muxed-on-video' | 'none';

export interface BridgeSnapshot {
  mode: BridgeMode;
  /** The WebRTC leg's connectionState. */
  peer: string;
  content: ContentTransport;
  streams: Partial<Record<BridgeStreamName, BridgeStreamStats>>;
  totals: Record<MediaHop, HopCount>;
  loss: { endpoint: LegLoss; meet: LegLoss };
}

export function emptyHops(): Record<MediaHop, HopCount> {
  return {
    endpoint_to_node: { packets: 0, bytes: 0 },
    node_to_meet: { packets: 0, bytes: 0 },
    meet_to_node: { packets: 0, bytes: 0 },
    node_to_endpoint: { packets: 0, bytes: 0 },
  };
}

/** RFC 3550 receiver statistics per SSRC for one leg of one stream. */
export class LegReceiver {
  readonly #clockRate: number;
  readonly #sources = new Map<number, RtpReceiverStats>();
  #last: RtpReceiverStats | null = null;

  constructor(clockRate: number) {
    this.#clockRate = clockRate;
  }

  update(ssrc: number, seq: number, ts: number, nowMs: number, bytes: number): void {
    let r = this.#last;
    if (r === null || r.ssrc !== ssrc) {
      r = this.#sources.get(ssrc) ?? null;
      if (r === null) {
        r = new RtpReceiverStats(ssrc, this.#clockRate);
        this.#sources.set(ssrc, r);
      }
      this.#last = r;
    }
    r.update(seq, ts, nowMs, bytes);
  }

  loss(): LegLoss {
    let expected = 0;
    let lost = 0;
    for (const r of this.#sources.values()) {
      expected += r.expected;
      lost += Math.max(0, r.lost);
    }
    return { expected, lost };
  }
}

export function addLoss(a: LegLoss, b: LegLoss): LegLoss {
  return { expected: a.expected + b.expected, lost: a.lost + b.lost };
}
