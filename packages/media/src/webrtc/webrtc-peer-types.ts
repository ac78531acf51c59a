/** Options, events and views of a WebRtcPeer (webrtc-peer.ts). */
import type { Logger } from '@gwsim/common';
import type { VideoCodecName } from './peer-config.ts';

/** Default deadline for ICE + DTLS to reach "connected". */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export type WebRtcRole = 'offerer' | 'answerer';

/** RTCPeerConnection.connectionState (ICE and DTLS together). */
export type WebRtcPeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export type MediaKind = 'audio' | 'video';

export interface WebRtcPeerOptions {
  /** The simulated host's loopback address (127.x.y.z or ::1); ICE binds here and nowhere else. */
  readonly address: string;
  /** Video codecs in preference order (default VP8, H264). */
  readonly videoCodecs?: readonly VideoCodecName[];
  /**
   * Who carries RTP once connected: `gwsim` (default), our data plane (rtp-data-plane.ts: SRTP in place, no
   * per-packet objects); `werift`, werift's own RTP path (the baseline benchmarks compare against).
   */
  readonly dataPlane?: 'gwsim' | 'werift';
  /**
   * With the `gwsim` data plane: read and write the ICE socket in batches (recvmmsg/sendmmsg, UdpBatchSocket)
   * when the addon is available. Default false. Received RTP handed to tracks is then a view into a shared
   * area, valid until the listener returns (RtpView listeners must copy what they keep).
   */
  readonly batchedIo?: boolean;
  /** A name for log lines ("meet:join 0190…"). */
  readonly name?: string;
  readonly logger?: Logger;
}

export interface OfferOptions {
  /** Offer an Opus audio stream (default true). */
  readonly audio?: boolean;
  /** Offer a VP8/H.264 video stream (default true). */
  readonly video?: boolean;
  /** Offer a second video stream for presentation content (a=content:slides on the SIP side; default false). */
  readonly content?: boolean;
}

export interface TrackStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
}

export interface WebRtcTrackDump extends TrackStats {
  readonly mid: string;
  readonly kind: MediaKind;
  /** The negotiated codec this side sends with (`audio/opus`, `video/VP8`), once known. */
  readonly codec: string | undefined;
}

export interface WebRtcPeerDump {
  readonly name: string;
  readonly role: WebRtcRole | undefined;
  readonly address: string;
  readonly state: WebRtcPeerState;
  readonly closed: boolean;
  readonly tracks: readonly WebRtcTrackDump[];
}

export type WebRtcPeerEvents = {
  /** Every connectionState change (observation only). */
  state: [WebRtcPeerState];
};
