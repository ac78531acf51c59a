export type { Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing } from './sdp-types.ts';
export { parseSdp, SdpParseError, serializeSdp } from './sdp.ts';
export {
  answerDirection,
  DIRECTIONS,
  findAttribute,
  findAttributes,
  fmtpFor,
  formatRtpMap,
  mediaDirection,
  parseFmtpParams,
  parseRtpMap,
  ptime,
  rtpMapFor,
  rtpMaps,
  setDirection,
  type Direction,
  type RtpMap,
} from './sdp-attributes.ts';
export {
  codecFor,
  codecsOf,
  DEFAULT_AUDIO_CODECS,
  DEFAULT_VIDEO_CODECS,
  isAuxiliary,
  sameCodec,
  STATIC_PAYLOAD_TYPES,
  TELEPHONE_EVENT,
  VP8_CODEC,
  type RtpCodec,
} from './codecs.ts';
export {
  createAnswer,
  createOffer,
  negotiatedCodecs,
  type AnswerOptions,
  type CodecPreferences,
  type NegotiatedStream,
  type OfferOptions,
} from './offer-answer.ts';
export {
  RtpPort,
  readRtpHeader,
  rtpPayloadOffset,
  writeRtpHeader,
  writeRtpHeaderFields,
  RTP_HEADER_BYTES,
  type RawPacketListener,
  type RtpHeader,
  type RtpPortOptions,
  type RtpStats,
} from './rtp.ts';
export * from './rtcp.ts';
export { ipv4ToNumber, numberToIpv4, UdpBatchSocket, type BatchDatagramListener } from './udp-batch.ts';
export * from './rtp-stats.ts';
export * from './rtp-rewriter.ts';
export * from './probe-payload.ts';
export * from './e-model.ts';
export * from './latency-histogram.ts';
export * from './ticker.ts';
export * from './sdp-content.ts';
export * from './savpf-offer-answer.ts';
export * from './sources/index.ts';
export * from './media-stream-types.ts';
export { MediaSession } from './media-stream.ts';
export * from './dtmf.ts';
export * from './media-markers.ts';
export * from './webrtc/index.ts';
