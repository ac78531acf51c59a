/**
 * From a call's SIP offer/answer and its RTP ports to a CallBridge: which endpoint streams exist, where the
 * endpoint receives each, and the payload type and clock rate negotiated for it.
 */
import type { Logger } from '@gwsim/common';
import { mediaTargets, negotiatedCodecs, type RtpPort, type SessionDescription } from '@gwsim/media';
import type { BridgeStreamName } from './bridge-stats.ts';
import { CallBridge, type BridgeStreamSpec } from './call-bridge.ts';
import type { CallMedia } from './call-media.ts';

export interface CallBridgeSetup {
  readonly address: string;
  /** The endpoint's SDP offer and the node's answer to it. */
  readonly offer: SessionDescription;
  readonly answer: SessionDescription;
  /** The node's RTP ports for the call. */
  readonly media: Pick<CallMedia, 'rtp' | 'videoRtp' | 'contentRtp'>;
  readonly name?: string;
  readonly batchedIo?: boolean;
  readonly logger?: Logger;
}

/** The endpoint streams the node accepted, with their ports and negotiated codecs. */
export function bridgeStreams(setup: Pick<CallBridgeSetup, 'offer' | 'answer' | 'media'>): Partial<Record<BridgeStreamName, BridgeStreamSpec>> {
  const { offer, answer, media } = setup;
  const targets = mediaTargets(offer);
  const negotiated = negotiatedCodecs(offer, answer);
  const ports: Record<BridgeStreamName, RtpPort | null> = { audio: media.rtp, video: media.videoRtp, content: media.contentRtp };
  const out: Partial<Record<BridgeStreamName, BridgeStreamSpec>> = {};
  for (const name of ['audio', 'video', 'content'] as const) {
    const target = targets[name];
    const port = ports[name];
    const n = target ? negotiated[target.index] : undefined;
    if (!target || !port || !n?.accepted || !n.codec) continue;
    out[name] = {
      port,
      target: { address: target.address, port: target.port },
      payloadType: n.codec.payloadType,
      clockRate: n.codec.clockRate,
      consumePayloadType: n.telephoneEvent?.payloadType ?? null,
    };
  }
  return out;
}

export function openCallBridge(setup: CallBridgeSetup): Promise<CallBridge> {
  return CallBridge.open({ address: setup.address, streams: bridgeStreams(setup), name: setup.name, batchedIo: setup.batchedIo, logger: setup.logger });
}
