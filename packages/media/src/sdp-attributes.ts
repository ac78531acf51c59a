/**
 * Typed views over SDP attributes: rtpmap and fmtp (RFC 4566 §6), ptime, and the sendrecv family of
 * direction attributes (RFC 3264 §5.1). The model stays lossless; these read and write through it.
 */
import type { Attribute, MediaDescription, SessionDescription } from './sdp-types.ts';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`. */
export interface RtpMap {
  payloadType: number;
  encodingName: string;
  clockRate: number;
  /** Audio channels (the encoding parameters); absent means 1. */
  channels?: number;
}

export function findAttribute(attributes: readonly Attribute[], name: string): Attribute | undefined {
  return attributes.find((a) => a.name.toLowerCase() === name.toLowerCase());
}

export function findAttributes(attributes: readonly Attribute[], name: string): Attribute[] {
  return attributes.filter((a) => a.name.toLowerCase() === name.toLowerCase());
}

const RTPMAP = /^(\d{1,3}) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/;

/** Parse one rtpmap value; undefined when it is malformed (the raw attribute is still kept). */
export function parseRtpMap(value: string): RtpMap | undefined {
  const m = RTPMAP.exec(value.trim());
  if (!m) return undefined;
  const map: RtpMap = { payloadType: Number(m[1]), encodingName: m[2]!, clockRate: Number(m[3]) };
  if (m[4] !== undefined) map.channels = Number(m[4]);
  return map;
}

export function formatRtpMap(map: RtpMap): string {
  const channels = map.channels === undefined ? '' : `/${map.channels}`;
  return `${map.payloadType} ${map.encodingName}/${map.clockRate}${channels}`;
}

/** All well-formed rtpmap attributes of a media section, in order. */
export function rtpMaps(media: MediaDescription): RtpMap[] {
  const out: RtpMap[] = [];
  for (const a of findAttributes(media.attributes, 'rtpmap')) {
    const map = a.value === null ? undefined : parseRtpMap(a.value);
    if (map) out.push(map);
  }
  return out;
}

/** The rtpmap for one payload type, if present. */
export function rtpMapFor(media: MediaDescription, payloadType: number): RtpMap | undefined {
  return rtpMaps(media).find((m) => m.payloadType === payloadType);
}

/** The raw `a=fmtp:<pt> <params>` parameter string for a payload type. */
export function fmtpFor(media: MediaDescription, payloadType: number | string): string | undefined {
  const prefix = `${payloadType} `;
  for (const a of findAttributes(media.attributes, 'fmtp')) {
    if (a.value !== null && a.value.startsWith(prefix)) return a.value.slice(prefix.length).trim();
  }
  return undefined;
}

/** `key=value;flag;key2=value2` → record (keys lower-cased; a flag maps to ''). */
export function parseFmtpParams(params: string): Record<string, string> {
  const entries: [string, string][] = [];
  for (const piece of params.split(';')) {
    const p = piece.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    entries.push(eq < 0 ? [p.toLowerCase(), ''] : [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()]);
  }
  return Object.fromEntries(entries);
}

function directionIn(attributes: readonly Attribute[]): Direction | undefined {
  for (const a of attributes) {
    if (a.value === null && (DIRECTIONS as readonly string[]).includes(a.name)) return a.name as Direction;
  }
  return undefined;
}

/** Media direction: the media-level attribute, else the session-level one, else sendrecv (RFC 3264 §5.1). */
export function mediaDirection(media: MediaDescription, session?: SessionDescription): Direction {
  return directionIn(media.attributes) ?? (session ? directionIn(session.attributes) : undefined) ?? 'sendrecv';
}

/** Replace any direction attribute of the section by `direction` (placed where the first one was, else last). */
export function setDirection(media: MediaDescription, direction: Direction): void {
  const at = media.attributes.findIndex((a) => a.value === null && (DIRECTIONS as readonly string[]).includes(a.name));
  media.attributes = media.attributes.filter((a) => !(a.value === null && (DIRECTIONS as readonly string[]).includes(a.name)));
  media.attributes.splice(at < 0 ? media.attributes.length : at, 0, { name: direction, value: null });
}

/** `a=ptime:<ms>` (may be fractional per RFC 4566). */
export function ptime(media: MediaDescription): number | undefined {
  const a = findAttribute(media.attributes, 'ptime');
  if (a?.value == null) return undefined;
  const n = Number(a.value.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The direction an answerer uses for an offered direction it is willing to fully accept (RFC 3264 §6.1). */
export function answerDirection(offered: Direction, wanted: Direction = 'sendrecv'): Direction {
  const mirror: Record<Direction, Direction> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };
  const allowed = mirror[offered];
  const send = (allowed === 'sendrecv' || allowed === 'sendonly') && (wanted === 'sendrecv' || wanted === 'sendonly');
  const recv = (allowed === 'sendrecv' || allowed === 'recvonly') && (wanted === 'sendrecv' || wanted === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}
