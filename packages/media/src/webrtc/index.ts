/** The WebRTC leg on werift, loopback only (ARCHITECTURE.md). */
export { isLoopbackAddress, requireLoopbackAddress } from './loopback.ts';
export { bindingErrorResponse, leaseLoopbackStun, loopbackStunResponders, type StunLease } from './stun-responder.ts';
export { DEFAULT_VIDEO_CODEC_NAMES, loopbackPairsOnly, loopbackPeerConfig, type LoopbackPeerConfigOptions, type VideoCodecName } from './peer-config.ts';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type MediaKind,
  type OfferOptions as WebRtcOfferOptions,
  type TrackStats,
  type WebRtcPeerDump,
  type WebRtcPeerEvents,
  type WebRtcPeerOptions,
  type WebRtcPeerState,
  type WebRtcRole,
  type WebRtcTrackDump,
} from './webrtc-peer-types.ts';
export { RtpView, WebRtcTrack, type RtpListener, type SendOptions } from './webrtc-track.ts';
export { RtpDataPlane } from './rtp-data-plane.ts';
export { WebRtcPeer, type DataPlaneStatus } from './webrtc-peer.ts';
export { checkWebRtcOffer, WEBRTC_PROFILE, type OfferCheck } from './offer-check.ts';
export {
  DEFAULT_SYNTHETIC_INTERVAL_MS,
  echoLoop,
  MEDIA_MODES,
  mediaLoop,
  readSyntheticPayload,
  SYNTHETIC_MARKER,
  SYNTHETIC_PAYLOAD_BYTES,
  syntheticLoop,
  syntheticPayload,
  type MediaLoop,
  type MediaMode,
  type SyntheticOptions,
} from './media-loops.ts';
export { deriveSrtpSessionKeys, SRTP_ERRORS, SrtpContext, srtpKeyLengths, srtpProfileName, type SrtpContextDump, type SrtpErrorCode, type SrtpMasterKeys, type SrtpProfileName, type SrtpSessionKeys, type SrtpStreamDump } from './srtp-context.ts';
export { SRTCP_NOT_ENCRYPTED, SrtcpContext } from './srtcp-context.ts';
