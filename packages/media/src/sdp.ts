/**
 * SDP parser and serializer (RFC 4566). Lines are `<type>=<value>`; session lines come in the order
 * v o s [i] [u] e* p* [c] b* (t r*)+ [z] [k] a*, then m sections with [i] c* b* [k] a*. The parser accepts
 * session-level lines after `s=` in any order and LF or CRLF endings; the serializer writes the RFC order with
 * CRLF, so well-formed input round-trips exactly. Every error is an SdpParseError naming the 1-based line.
 */
import { GwsimError } from '@gwsim/common';
import type { Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing } from './sdp-types.ts';

export class SdpParseError extends GwsimError {
  /** 1-based line number (0 when the problem is the description as a whole). */
  readonly line: number;
  /** The offending line as written ('' for whole-description errors). */
  readonly text: string;

  constructor(line: number, text: string, message: string) {
    super('GWSIM_ERR_PARSE', line > 0 ? `SDP line ${line}: ${message}` : `SDP: ${message}`);
    this.name = 'SdpParseError';
    this.line = line;
    this.text = text;
  }
}

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
const DIGITS = /^\d+$/;

interface Line {
  no: number;
  type: string;
  value: string;
  text: string;
}

function fail(line: Line, message: string): never {
  throw new SdpParseError(line.no, line.text, message);
}

function fields(line: Line, count: number, format: string): string[] {
  const parts = line.value.split(' ');
  if (parts.length !== count || parts.some((p) => p === '')) {
    fail(line, `expected "${line.type}=${format}" (${count} fields separated by single spaces)`);
  }
  return parts;
}

function integer(line: Line, text: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!DIGITS.test(text) || text.length > 15 || Number(text) > max) fail(line, `expected ${what}, got "${text}"`);
  return Number(text);
}

function parseOrigin(line: Line): Origin {
  const [username, sessionId, sessionVersion, netType, addrType, address] = fields(
    line,
    6,
    '<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>',
  ) as [string, string, string, string, string, string];
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parseConnection(line: Line): Connection {
  const [netType, addrType, spec] = fields(line, 3, '<nettype> <addrtype> <connection-address>') as [string, string, string];
  const [address, ...suffixes] = spec.split('/');
  if (address === '' || address === undefined) fail(line, 'expected a connection address');
  const connection: Connection = { netType, addrType, address };
  // RFC 4566 §5.7: IP4 multicast is <addr>/<ttl>[/<n>]; IP6 multicast is <addr>[/<n>].
  const max = addrType === 'IP6' ? 1 : 2;
  if (suffixes.length > max) fail(line, `too many "/" suffixes on the ${addrType} connection address`);
  if (addrType === 'IP6') {
    if (suffixes.length === 1) connection.numAddresses = integer(line, suffixes[0]!, 'a number of addresses');
  } else {
    if (suffixes.length >= 1) connection.ttl = integer(line, suffixes[0]!, 'a TTL');
    if (suffixes.length === 2) connection.numAddresses = integer(line, suffixes[1]!, 'a number of addresses');
  }
  return connection;
}

function parseBandwidth(line: Line): Bandwidth {
  const colon = line.value.indexOf(':');
  const type = line.value.slice(0, colon);
  if (colon <= 0 || !TOKEN.test(type)) fail(line, 'expected "b=<bwtype>:<bandwidth>"');
  return { type, value: integer(line, line.value.slice(colon + 1), 'a bandwidth (digits)') };
}

function parseAttribute(line: Line): Attribute {
  const colon = line.value.indexOf(':');
  const name = colon < 0 ? line.value : line.value.slice(0, colon);
  if (!TOKEN.test(name)) fail(line, 'expected "a=<attribute>" or "a=<attribute>:<value>" with a token name');
  return { name, value: colon < 0 ? null : line.value.slice(colon + 1) };
}

function parseMediaLine(line: Line): MediaDescription {
  const parts = line.value.split(' ');
  if (parts.length < 4 || parts.some((p) => p === '')) {
    fail(line, 'expected "m=<media> <port>[/<number of ports>] <proto> <fmt> ..." (fields separated by single spaces)');
  }
  const [type, portSpec, protocol, ...formats] = parts as [string, string, string, ...string[]];
  if (!TOKEN.test(type)) fail(line, `expected a media type token, got "${type}"`);
  const [port, numPorts, extra] = portSpec.split('/');
  if (extra !== undefined) fail(line, `expected "<port>[/<number of ports>]", got "${portSpec}"`);
  const media: MediaDescription = {
    type,
    port: integer(line, port!, 'a port from 0 to 65535', 65535),
    protocol,
    formats,
    connections: [],
    bandwidths: [],
    attributes: [],
  };
  if (numPorts !== undefined) media.numPorts = integer(line, numPorts, 'a number of ports');
  if (!/^[A-Za-z0-9/._-]+$/.test(protocol)) fail(line, `expected a transport protocol (e.g. RTP/AVP), got "${protocol}"`);
  return media;
}

function splitLines(text: string): Line[] {
  const raw = text.split(/\r?\n/);
  while (raw.length > 0 && raw[raw.length - 1] === '') raw.pop(); // the final line break
  return raw.map((t, i) => {
    const line: Line = { no: i + 1, type: t.slice(0, 1), value: t.slice(2), text: t };
    if (t === '') fail(line, 'unexpected empty line');
    if (!/^[a-z]=/.test(t)) fail(line, 'expected "<type>=<value>" with a single lower-case letter type');
    if (/[\r\0]/.test(line.value)) fail(line, 'CR and NUL are not allowed inside a line');
    return line;
  });
}

function expectStart(lines: Line[], index: number, type: string, what: string): Line {
  const line = lines[index];
  if (line === undefined) throw new SdpParseError(0, '', `missing "${type}=" line (${what})`);
  if (line.type !== type) fail(line, `expected "${type}=" (${what}), got "${line.type}="`);
  return line;
}

/** Parse an SDP body. Throws SdpParseError (code GWSIM_ERR_PARSE) naming the line on any malformed input. */
export function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string') throw new SdpParseError(0, '', `expected text, got ${typeof text}`);
  const lines = splitLines(text);
  const v = expectStart(lines, 0, 'v', 'protocol version');
  if (v.value !== '0') fail(v, `expected "v=0", got "v=${v.value}"`);
  const origin = parseOrigin(expectStart(lines, 1, 'o', 'origin'));
  const s = expectStart(lines, 2, 's', 'session name');
  const sd: SessionDescription = {
    version: 0,
    origin,
    sessionName: s.value,
    emails: [],
    phones: [],
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [],
  };
  const once = <K extends 'information' | 'uri' | 'timeZones' | 'encryptionKey'>(
    target: { [P in K]?: string },
    key: K,
    line: Line,
  ) => {
    if (target[key] !== undefined) fail(line, `duplicate "${line.type}=" line`);
    target[key] = line.value;
  };
  let media: MediaDescription | null = null;
  for (const line of lines.slice(3)) {
    if (line.type === 'm') {
      if (sd.timing.length === 0) fail(line, 'expected a "t=" line before the first "m=" line');
      media = parseMediaLine(line);
      sd.media.push(media);
      continue;
    }
    if (media !== null) {
      switch (line.type) {
        case 'i':
          once(media, 'information', line);
          break;
        case 'c':
          media.connections.push(parseConnection(line));
          break;
        case 'b':
          media.bandwidths.push(parseBandwidth(line));
          break;
        case 'k':
          once(media, 'encryptionKey', line);
          break;
        case 'a':
          media.attributes.push(parseAttribute(line));
          break;
        default:
          fail(line, `"${line.type}=" is not allowed in a media section (expected i=, c=, b=, k=, a= or m=)`);
      }
      continue;
    }
    switch (line.type) {
      case 'i':
        once(sd, 'information', line);
        break;
      case 'u':
        once(sd, 'uri', line);
        break;
      case 'e':
        sd.emails.push(line.value);
        break;
      case 'p':
        sd.phones.push(line.value);
        break;
      case 'c':
        if (sd.connection !== undefined) fail(line, 'duplicate session-level "c=" line');
        sd.connection = parseConnection(line);
        break;
      case 'b':
        sd.bandwidths.push(parseBandwidth(line));
        break;
      case 't': {
        const [start, stop] = fields(line, 2, '<start-time> <stop-time>') as [string, string];
        if (!DIGITS.test(start) || !DIGITS.test(stop)) fail(line, 'expected "t=<start-time> <stop-time>" in decimal NTP seconds');
        sd.timing.push({ start, stop, repeats: [] } satisfies Timing);
        break;
      }
      case 'r': {
        const last = sd.timing[sd.timing.length - 1];
        if (last === undefined) fail(line, 'expected "r=" to follow a "t=" line');
        if (line.value === '') fail(line, 'expected "r=<repeat interval> <active duration> <offsets from start-time>"');
        last.repeats.push(line.value);
        break;
      }
      case 'z':
        once(sd, 'timeZones', line);
        break;
      case 'k':
        once(sd, 'encryptionKey', line);
        break;
      case 'a':
        sd.attributes.push(parseAttribute(line));
        break;
      default:
        fail(line, `unexpected "${line.type}=" line at session level (expected one of i u e p c b t r z k a m)`);
    }
  }
  if (sd.timing.length === 0) throw new SdpParseError(0, '', 'missing "t=" line (timing)');
  return sd;
}

function connectionValue(c: Connection): string {
  let address = c.address;
  if (c.ttl !== undefined) address += `/${c.ttl}`;
  if (c.numAddresses !== undefined) address += `/${c.numAddresses}`;
  return `${c.netType} ${c.addrType} ${address}`;
}

function attributeLine(a: Attribute): string {
  return a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

/** Serialize in RFC 4566 order with CRLF line endings (including after the last line). */
export function serializeSdp(sd: SessionDescription): string {
  const out: string[] = [`v=${sd.version}`];
  const o = sd.origin;
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  out.push(`s=${sd.sessionName}`);
  if (sd.information !== undefined) out.push(`i=${sd.information}`);
  if (sd.uri !== undefined) out.push(`u=${sd.uri}`);
  for (const e of sd.emails) out.push(`e=${e}`);
  for (const p of sd.phones) out.push(`p=${p}`);
  if (sd.connection !== undefined) out.push(`c=${connectionValue(sd.connection)}`);
  for (const b of sd.bandwidths) out.push(`b=${b.type}:${b.value}`);
  for (const t of sd.timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (sd.timeZones !== undefined) out.push(`z=${sd.timeZones}`);
  if (sd.encryptionKey !== undefined) out.push(`k=${sd.encryptionKey}`);
  for (const a of sd.attributes) out.push(attributeLine(a));
  for (const m of sd.media) {
    const port = m.numPorts === undefined ? `${m.port}` : `${m.port}/${m.numPorts}`;
    out.push(`m=${m.type} ${port} ${m.protocol} ${m.formats.join(' ')}`);
    if (m.information !== undefined) out.push(`i=${m.information}`);
    for (const c of m.connections) out.push(`c=${connectionValue(c)}`);
    for (const b of m.bandwidths) out.push(`b=${b.type}:${b.value}`);
    if (m.encryptionKey !== undefined) out.push(`k=${m.encryptionKey}`);
    for (const a of m.attributes) out.push(attributeLine(a));
  }
  return out.join('\r\n') + '\r\n';
}
