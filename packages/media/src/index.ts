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
export { RtpPort, readRtpHeader, writeRtpHeader, RTP_HEADER_BYTES, type RtpHeader, type RtpStats } from './rtp.ts';
export * from './dtmf.ts';
export * from './media-markers.ts';
export * from './webrtc/index.ts';
