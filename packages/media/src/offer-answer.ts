/**
 * The SDP offer/answer model (RFC 3264) for plain RTP legs: the offer a SIP room system sends, the answer a
 * gateway gives, and what the two settle on. Pure functions over SessionDescription.
 */
import { GwsimError } from '@gwsim/common';
import {
  DEFAULT_AUDIO_CODECS,
  DEFAULT_VIDEO_CODECS,
  TELEPHONE_EVENT,
  codecFor,
  isAuxiliary,
  sameCodec,
  type RtpCodec,
} from './codecs.ts';
import { hasRtcpMux, isSlides } from './sdp-content.ts';
import { answerDirection, findAttribute, mediaDirection, ptime, type Direction } from './sdp-attributes.ts';
import type { Attribute, MediaDescription, SessionDescription } from './sdp-types.ts';

export interface CodecPreferences {
  readonly audio?: readonly RtpCodec[];
  readonly video?: readonly RtpCodec[];
}

export interface OfferOptions {
  /** Unicast address for c= and o= (IPv4 or IPv6). */
  readonly address: string;
  readonly audioPort: number;
  /** Adds an H.264 video stream when given. */
  readonly videoPort?: number;
  /**
   * Adds a second video stream for presentation content (`a=content:slides`, RFC 4796) with the video
   * codecs; the main video stream is then marked `a=content:main`.
   */
  readonly contentPort?: number;
  /** Offer RTP and RTCP on one port (`a=rtcp-mux`, RFC 5761) on every stream (default false). */
  readonly rtcpMux?: boolean;
  /** o= session id (and initial version); defaults to the current time in seconds. */
  readonly sessionId?: string;
  readonly username?: string;
  readonly codecs?: CodecPreferences;
  /** Audio packetization in ms (default 20). */
  readonly ptime?: number;
  readonly direction?: Direction;
}

export interface AnswerOptions {
  readonly address: string;
  readonly audioPort: number;
  /** Without it, offered video is rejected (port 0). */
  readonly videoPort?: number;
  /**
   * Accepts the first offered `a=content:slides` video on this port (other video goes to videoPort).
   * Without it a slides stream is treated like any other video stream.
   */
  readonly contentPort?: number;
  /** Accept `a=rtcp-mux` where it is offered (default true). */
  readonly rtcpMux?: boolean;
  readonly sessionId?: string;
  readonly username?: string;
  /** What we support, in preference order only as a tie-break: the offerer's order decides (RFC 3264 §6.1). */
  readonly codecs?: CodecPreferences;
  /** What we are willing to do; the answer direction is this intersected with the mirrored offer. */
  readonly direction?: Direction;
}

/** RTP/AVP family profiles this gateway leg can answer without SRTP/DTLS. */
const RTP_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF']);

function invalid(message: string): GwsimError {
  return new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', message);
}

function checkPort(port: number | undefined, what: string): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`${what} must be an integer from 1 to 65535, got ${port}`);
}

function checkAddress(address: string): string {
  if (typeof address !== 'string' || !/^[^\s/]+$/.test(address)) throw invalid(`address must be a host address, got ${JSON.stringify(address)}`);
  return address.includes(':') ? 'IP6' : 'IP4';
}

function sessionBase(options: { address: string; sessionId?: string; username?: string }): SessionDescription {
  const addrType = checkAddress(options.address);
  const sessionId = options.sessionId ?? String(Math.floor(Date.now() / 1000));
  if (!/^\d+$/.test(sessionId)) throw invalid(`sessionId must be decimal digits, got ${JSON.stringify(sessionId)}`);
  const username = options.username ?? 'gwsim';
  if (!/^[^\s]+$/.test(username)) throw invalid(`username must not contain whitespace, got ${JSON.stringify(username)}`);
  return {
    version: 0,
    origin: { username, sessionId, sessionVersion: sessionId, netType: 'IN', addrType, address: options.address },
    sessionName: '-',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: options.address },
    bandwidths: [],
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media: [],
  };
}

function codecAttributes(codec: RtpCodec): Attribute[] {
  const channels = codec.channels === undefined ? '' : `/${codec.channels}`;
  const out: Attribute[] = [{ name: 'rtpmap', value: `${codec.payloadType} ${codec.name}/${codec.clockRate}${channels}` }];
  if (codec.fmtp !== undefined) out.push({ name: 'fmtp', value: `${codec.payloadType} ${codec.fmtp}` });
  return out;
}

function rtpSection(type: string, port: number, codecs: readonly RtpCodec[], extra: Attribute[]): MediaDescription {
  if (codecs.length === 0) throw invalid(`no ${type} codecs to offer`);
  return {
    type,
    port,
    protocol: 'RTP/AVP',
    formats: codecs.map((c) => String(c.payloadType)),
    connections: [],
    bandwidths: [],
    attributes: [...codecs.flatMap(codecAttributes), ...extra],
  };
}

/** An RTP/AVP offer like a SIP room system's: audio (PCMU, PCMA, opus, telephone-event) and optional H.264. */
export function createOffer(options: OfferOptions): SessionDescription {
  checkPort(options.audioPort, 'audioPort');
  checkPort(options.videoPort, 'videoPort');
  checkPort(options.contentPort, 'contentPort');
  const sd = sessionBase(options);
  const direction: Attribute = { name: options.direction ?? 'sendrecv', value: null };
  const mux: Attribute[] = options.rtcpMux ? [{ name: 'rtcp-mux', value: null }] : [];
  const packetization = options.ptime ?? 20;
  sd.media.push(
    rtpSection('audio', options.audioPort, options.codecs?.audio ?? DEFAULT_AUDIO_CODECS, [
      { name: 'ptime', value: String(packetization) },
      direction,
      ...mux,
    ]),
  );
  const withContent = options.contentPort !== undefined;
  const videoCodecs = options.codecs?.video ?? DEFAULT_VIDEO_CODECS;
  if (options.videoPort !== undefined) {
    const content: Attribute[] = withContent ? [{ name: 'content', value: 'main' }] : [];
    sd.media.push(rtpSection('video', options.videoPort, videoCodecs, [...content, { ...direction }, ...mux]));
  }
  if (options.contentPort !== undefined) {
    sd.media.push(rtpSection('video', options.contentPort, videoCodecs, [{ name: 'content', value: 'slides' }, { ...direction }, ...mux]));
  }
  return sd;
}

function rejected(offered: MediaDescription): MediaDescription {
  return { type: offered.type, port: 0, protocol: offered.protocol, formats: [...offered.formats], connections: [], bandwidths: [], attributes: [] };
}

/** First offered primary codec (offer order) that we support, plus the offered telephone-event to keep. */
function choose(offered: MediaDescription, ours: readonly RtpCodec[]): { primary: RtpCodec; dtmf?: RtpCodec } | null {
  const resolved = offered.formats.map((f) => codecFor(offered, f)).filter((c): c is RtpCodec => c !== undefined);
  const primary = resolved.find((c) => !isAuxiliary(c) && ours.some((o) => sameCodec(o, c)));
  if (primary === undefined) return null;
  const weDoDtmf = ours.some((o) => o.name.toLowerCase() === TELEPHONE_EVENT);
  const events = weDoDtmf ? resolved.filter((c) => c.name.toLowerCase() === TELEPHONE_EVENT) : [];
  const dtmf = events.find((c) => c.clockRate === primary.clockRate) ?? events[0];
  return dtmf ? { primary, dtmf } : { primary };
}

/**
 * Answer an offer per RFC 3264 §6: one m= line per offered line, same order; the first audio and the first
 * video stream (and, with `contentPort`, the first slides video) are accepted when we have a port and a
 * common codec (the offer's first supported one, with its payload type and fmtp), anything else is rejected
 * with port 0. telephone-event is kept when offered; `a=content` is mirrored; `a=rtcp-mux` is accepted.
 */
export function createAnswer(offer: SessionDescription, options: AnswerOptions): SessionDescription {
  checkPort(options.audioPort, 'audioPort');
  checkPort(options.videoPort, 'videoPort');
  checkPort(options.contentPort, 'contentPort');
  const sd = sessionBase(options);
  const ports: Record<string, number | undefined> = { audio: options.audioPort, video: options.videoPort, content: options.contentPort };
  const ours: Record<string, readonly RtpCodec[]> = {
    audio: options.codecs?.audio ?? DEFAULT_AUDIO_CODECS,
    video: options.codecs?.video ?? DEFAULT_VIDEO_CODECS,
  };
  const used = new Set<string>();
  for (const offered of offer.media) {
    // with a content port, a slides video is its own stream (RFC 4796); without one it is just video
    const role = options.contentPort !== undefined && isSlides(offered) ? 'content' : offered.type;
    const port = ports[role];
    const choice = port !== undefined && offered.port !== 0 && !used.has(role) && RTP_PROFILES.has(offered.protocol)
      ? choose(offered, ours[offered.type] ?? [])
      : null;
    if (port === undefined || choice === null) {
      sd.media.push(rejected(offered));
      continue;
    }
    used.add(role);
    const codecs = choice.dtmf ? [choice.primary, choice.dtmf] : [choice.primary];
    const extra: Attribute[] = [];
    const offeredPtime = ptime(offered);
    if (offeredPtime !== undefined) extra.push({ name: 'ptime', value: String(offeredPtime) });
    const content = findAttribute(offered.attributes, 'content');
    if (content?.value != null) extra.push({ name: 'content', value: content.value });
    extra.push({ name: answerDirection(mediaDirection(offered, offer), options.direction), value: null });
    if ((options.rtcpMux ?? true) && hasRtcpMux(offered)) extra.push({ name: 'rtcp-mux', value: null });
    const section = rtpSection(offered.type, port, codecs, extra);
    section.protocol = offered.protocol;
    sd.media.push(section);
  }
  return sd;
}

export interface NegotiatedStream {
  /** Index of the m= line. */
  readonly index: number;
  readonly type: string;
  /** Both sides gave a non-zero port. */
  readonly accepted: boolean;
  /** The primary codec: the answer's first non-auxiliary format, with its payload type. */
  readonly codec: RtpCodec | null;
  readonly telephoneEvent: RtpCodec | null;
  /** Direction from the offerer's and the answerer's point of view. */
  readonly offererDirection: Direction;
  readonly answererDirection: Direction;
  readonly offerPort: number;
  readonly answerPort: number;
}

const MIRROR: Record<Direction, Direction> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };

/** What an offer and its answer settled on, per m= line. Throws when the answer breaks RFC 3264 §6 structure. */
export function negotiatedCodecs(offer: SessionDescription, answer: SessionDescription): NegotiatedStream[] {
  if (answer.media.length !== offer.media.length) {
    throw invalid(`the answer has ${answer.media.length} m= lines but the offer has ${offer.media.length} (RFC 3264 §6 requires the same number)`);
  }
  return answer.media.map((a, index): NegotiatedStream => {
    const o = offer.media[index]!;
    if (a.type !== o.type) throw invalid(`m= line ${index + 1} is "${o.type}" in the offer but "${a.type}" in the answer`);
    const accepted = a.port !== 0 && o.port !== 0;
    const codecs = accepted ? a.formats.map((f) => codecFor(a, f, o)).filter((c): c is RtpCodec => c !== undefined) : [];
    const answererDirection = accepted ? mediaDirection(a, answer) : 'inactive';
    return {
      index,
      type: a.type,
      accepted,
      codec: codecs.find((c) => !isAuxiliary(c)) ?? null,
      telephoneEvent: codecs.find((c) => c.name.toLowerCase() === TELEPHONE_EVENT) ?? null,
      offererDirection: MIRROR[answererDirection],
      answererDirection,
      offerPort: o.port,
      answerPort: a.port,
    };
  });
}
