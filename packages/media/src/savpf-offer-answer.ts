/**
 * Offer/answer for WebRTC-style UDP/TLS/RTP/SAVPF descriptions (RFC 8829 JSEP shapes, pure): every stream
 * on one BUNDLE transport (RFC 8843: `a=group:BUNDLE`, `a=mid`), `a=rtcp-mux`, ICE credentials, a DTLS
 * fingerprint and `a=setup` (RFC 5763/8842), and an optional host candidate. ICE and DTLS values are
 * placeholders unless given: syntactically valid (random ufrag/pwd, a random SHA-256 fingerprint) but not
 * tied to a certificate — for signalling tests and SIP legs that carry WebRTC SDP; the real WebRTC leg is
 * WebRtcPeer. Audio defaults to Opus, video to VP8; a presentation stream carries `a=content:slides`.
 */
import { randomBytes } from 'node:crypto';
import { GwsimError } from '@gwsim/common';
import { codecFor, isAuxiliary, sameCodec, TELEPHONE_EVENT, type RtpCodec } from './codecs.ts';
import { answerDirection, findAttribute, mediaDirection, type Direction } from './sdp-attributes.ts';
import { bundleGroup, isSlides, midOf } from './sdp-content.ts';
import type { Attribute, MediaDescription, SessionDescription } from './sdp-types.ts';
import { WEBRTC_PROFILE } from './webrtc/offer-check.ts';

export const SAVPF_AUDIO_CODECS: readonly RtpCodec[] = Object.freeze([
  { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
  { payloadType: 101, name: TELEPHONE_EVENT, clockRate: 8000, fmtp: '0-16' },
]);

export const SAVPF_VIDEO_CODECS: readonly RtpCodec[] = Object.freeze([{ payloadType: 96, name: 'VP8', clockRate: 90000 }]);

export type DtlsSetup = 'actpass' | 'active' | 'passive';

interface TransportOptions {
  /** Unicast address of the one BUNDLE transport (c= and the host candidate). */
  readonly address: string;
  readonly port: number;
  readonly iceUfrag?: string;
  readonly icePwd?: string;
  /** `<hash> <hex:hex:…>`; default a random sha-256 placeholder. */
  readonly fingerprint?: string;
  /** Include `a=candidate` for address:port (default true). */
  readonly candidate?: boolean;
  readonly sessionId?: string;
  readonly codecs?: { readonly audio?: readonly RtpCodec[]; readonly video?: readonly RtpCodec[] };
  readonly direction?: Direction;
}

export interface SavpfOfferOptions extends TransportOptions {
  readonly audio?: boolean;
  readonly video?: boolean;
  /** A second video stream with `a=content:slides` (default false). */
  readonly content?: boolean;
  /** Default actpass (RFC 5763 §5: the offerer must offer actpass). */
  readonly setup?: DtlsSetup;
}

export interface SavpfAnswerOptions extends TransportOptions {
  /** Default active. */
  readonly setup?: Exclude<DtlsSetup, 'actpass'>;
}

function invalid(message: string): GwsimError {
  return new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', message);
}

const ICE_CHAR = /^[A-Za-z0-9+/]+$/;

interface Credentials {
  readonly ufrag: string;
  readonly pwd: string;
  readonly fingerprint: string;
}

/** The given ICE/DTLS values, checked, or placeholders; one set for the whole BUNDLE transport. */
function credentials(o: TransportOptions): Credentials {
  const ufrag = o.iceUfrag ?? randomBytes(6).toString('hex');
  const pwd = o.icePwd ?? randomBytes(16).toString('hex');
  if (!ICE_CHAR.test(ufrag) || ufrag.length < 4 || ufrag.length > 256) throw invalid(`iceUfrag must be 4-256 ice-chars (RFC 8839 §5.4), got ${JSON.stringify(ufrag)}`);
  if (!ICE_CHAR.test(pwd) || pwd.length < 22 || pwd.length > 256) throw invalid('icePwd must be 22-256 ice-chars (RFC 8839 §5.4)');
  const fingerprint = o.fingerprint ?? `sha-256 ${[...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
  if (!/^[A-Za-z0-9-]+ [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(fingerprint)) throw invalid(`fingerprint must be "<hash> <hex:hex:...>", got ${JSON.stringify(fingerprint)}`);
  return { ufrag, pwd, fingerprint };
}

function transportAttributes(o: TransportOptions, creds: Credentials, setup: DtlsSetup, mid: string): Attribute[] {
  const out: Attribute[] = [
    { name: 'mid', value: mid },
    { name: 'ice-ufrag', value: creds.ufrag },
    { name: 'ice-pwd', value: creds.pwd },
    { name: 'fingerprint', value: creds.fingerprint },
    { name: 'setup', value: setup },
    { name: 'rtcp-mux', value: null },
  ];
  if (o.candidate ?? true) out.push({ name: 'candidate', value: `1 1 udp 2130706431 ${o.address} ${o.port} typ host` });
  return out;
}

function codecAttributes(codecs: readonly RtpCodec[]): Attribute[] {
  return codecs.flatMap((c) => {
    const out: Attribute[] = [{ name: 'rtpmap', value: `${c.payloadType} ${c.name}/${c.clockRate}${c.channels === undefined ? '' : `/${c.channels}`}` }];
    if (c.fmtp !== undefined) out.push({ name: 'fmtp', value: `${c.payloadType} ${c.fmtp}` });
    if (c.clockRate === 90000) out.push({ name: 'rtcp-fb', value: `${c.payloadType} nack pli` });
    return out;
  });
}

function base(o: TransportOptions): SessionDescription {
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw invalid(`port must be an integer from 1 to 65535, got ${o.port}`);
  if (typeof o.address !== 'string' || !/^[^\s/]+$/.test(o.address)) throw invalid(`address must be a host address, got ${JSON.stringify(o.address)}`);
  const addrType = o.address.includes(':') ? 'IP6' : 'IP4';
  const sessionId = o.sessionId ?? String(Math.floor(Date.now() / 1000));
  if (!/^\d+$/.test(sessionId)) throw invalid(`sessionId must be decimal digits, got ${JSON.stringify(sessionId)}`);
  return {
    version: 0,
    origin: { username: '-', sessionId, sessionVersion: '2', netType: 'IN', addrType, address: o.address },
    sessionName: '-',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: o.address },
    bandwidths: [],
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media: [],
  };
}

function section(type: string, port: number, codecs: readonly RtpCodec[], attributes: Attribute[]): MediaDescription {
  if (codecs.length === 0) throw invalid(`no ${type} codecs`);
  return { type, port, protocol: WEBRTC_PROFILE, formats: codecs.map((c) => String(c.payloadType)), connections: [], bandwidths: [], attributes: [...attributes, ...codecAttributes(codecs)] };
}

/** A JSEP-shaped offer: audio, video and optionally slides video, bundled on one port. */
export function createSavpfOffer(options: SavpfOfferOptions): SessionDescription {
  const sd = base(options);
  const direction = options.direction ?? 'sendrecv';
  const kinds: Array<['audio' | 'video', boolean]> = [];
  if (options.audio ?? true) kinds.push(['audio', false]);
  if (options.video ?? true) kinds.push(['video', false]);
  if (options.content) kinds.push(['video', true]);
  if (kinds.length === 0) throw invalid('an offer needs audio, video or content');
  const creds = credentials(options);
  kinds.forEach(([type, slides], i) => {
    const attrs = transportAttributes(options, creds, options.setup ?? 'actpass', String(i));
    if (slides) attrs.push({ name: 'content', value: 'slides' });
    attrs.push({ name: direction, value: null });
    const codecs = type === 'audio' ? (options.codecs?.audio ?? SAVPF_AUDIO_CODECS) : (options.codecs?.video ?? SAVPF_VIDEO_CODECS);
    sd.media.push(section(type, options.port, codecs, attrs));
  });
  sd.attributes.push({ name: 'group', value: `BUNDLE ${sd.media.map((_, i) => i).join(' ')}` });
  return sd;
}

function rejectedSection(offered: MediaDescription): MediaDescription {
  const mid = midOf(offered);
  return { type: offered.type, port: 0, protocol: offered.protocol, formats: [...offered.formats], connections: [], bandwidths: [], attributes: mid === undefined ? [] : [{ name: 'mid', value: mid }] };
}

/**
 * Answer a SAVPF offer: each audio/video section with the WebRTC profile and a common codec is accepted on
 * our one transport with its mid (first offered codec we support, plus telephone-event), `a=content`
 * mirrored; everything else is rejected with port 0 and left out of the BUNDLE group.
 */
export function createSavpfAnswer(offer: SessionDescription, options: SavpfAnswerOptions): SessionDescription {
  const sd = base(options);
  const setup = options.setup ?? 'active';
  const creds = credentials(options);
  const offeredBundle = bundleGroup(offer);
  const accepted: string[] = [];
  offer.media.forEach((offered, i) => {
    const ours = offered.type === 'audio' ? (options.codecs?.audio ?? SAVPF_AUDIO_CODECS) : offered.type === 'video' ? (options.codecs?.video ?? SAVPF_VIDEO_CODECS) : [];
    const resolved = offered.formats.map((f) => codecFor(offered, f)).filter((c): c is RtpCodec => c !== undefined);
    const primary = resolved.find((c) => !isAuxiliary(c) && ours.some((o) => sameCodec(o, c)));
    const mid = midOf(offered) ?? String(i);
    const offeredSetup = findAttribute(offered.attributes, 'setup')?.value ?? findAttribute(offer.attributes, 'setup')?.value;
    if (offered.port === 0 || offered.protocol !== WEBRTC_PROFILE || primary === undefined || offeredSetup === 'holdconn') {
      sd.media.push(rejectedSection(offered));
      return;
    }
    // RFC 5763 §5: answer actpass with active or passive; answer an active offerer with passive and vice versa
    const ourSetup = offeredSetup === 'active' ? 'passive' : offeredSetup === 'passive' ? 'active' : setup;
    const dtmf = ours.some((o) => o.name.toLowerCase() === TELEPHONE_EVENT) ? resolved.find((c) => c.name.toLowerCase() === TELEPHONE_EVENT) : undefined;
    const attrs = transportAttributes(options, creds, ourSetup, mid);
    if (isSlides(offered)) attrs.push({ name: 'content', value: 'slides' });
    attrs.push({ name: answerDirection(mediaDirection(offered, offer), options.direction), value: null });
    sd.media.push(section(offered.type, options.port, dtmf ? [primary, dtmf] : [primary], attrs));
    accepted.push(mid);
  });
  const group = offeredBundle.length > 0 ? offeredBundle.filter((m) => accepted.includes(m)) : accepted;
  if (group.length > 0) sd.attributes.push({ name: 'group', value: `BUNDLE ${group.join(' ')}` });
  return sd;
}
