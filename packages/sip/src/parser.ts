import { CR, DIGIT, HT, LF, SP, TOKEN } from './abnf.ts';
import { SipParseError } from './errors.ts';
import { Headers, knownHeaderNameAt, type HeaderField } from './headers.ts';
import { SipRequest, SipResponse, type SipMessage } from './message.ts';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const EMPTY = Buffer.alloc(0);

export interface ParseOptions {
  /**
   * Datagram transports carry one message per packet: a missing Content-Length means "the rest", and
   * octets after Content-Length are discarded (RFC 3261 §18.3). Stream transports must have framed the
   * message already (see `StreamFramer`): a body there needs a Content-Length.
   */
  datagram?: boolean;
  /** Largest message accepted, in octets; a larger one fails with status 513 Message Too Large. */
  maxMessageSize?: number;
  /**
   * A datagram whose body is shorter than its Content-Length is an error (§18.3: 400 for a request,
   * discard a response) — `'reject'`, the default. `'accept'` takes the octets that arrived, for reading
   * captures and corpora with wrong Content-Length values (RFC 5118 §4.6 as published).
   */
  shortBody?: 'reject' | 'accept';
}

/** Index just past the blank line that ends the header section, or -1. Accepts bare LF line ends. */
export function findHeaderEnd(buf: Buffer, from = 0): { end: number; bodyStart: number } | -1 {
  const crlf = buf.indexOf(CRLFCRLF, from);
  const lflf = buf.indexOf(LFLF, from);
  if (crlf < 0 && lflf < 0) return -1;
  if (crlf >= 0 && (lflf < 0 || crlf <= lflf)) return { end: crlf, bodyStart: crlf + 4 };
  return { end: lflf, bodyStart: lflf + 2 };
}

/** Byte-exact search for the first empty line (LF [CR] LF) from `from`; for irregular line ends only. */
function scanBlankLine(buf: Buffer, from: number): { end: number; bodyStart: number } | -1 {
  for (let i = buf.indexOf(LF, from); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return { end: i, bodyStart: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { end: i, bodyStart: i + 3 };
  }
  return -1;
}

function clip(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n - 3) + '...' : s;
}

/** Index of the first char in s[from, to) that is not a token char, or -1. */
function firstNonToken(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return i;
  return -1;
}

/**
 * Split a header section (no start line) into fields: unfolds continuation lines (§7.3.1), expands
 * compact names, keeps unknown names as written and values verbatim without surrounding LWS. Stops at
 * an empty line and returns its string index in `blank` (-1 when the text has none).
 */
export function parseHeaderBlock(head: string, pos: number, fields: HeaderField[]): number {
  let name: string | null = null;
  let value = '';
  const len = head.length;
  let cr = head.indexOf('\r', pos); // next CR: it must end a line (no bare CR inside one)
  while (pos < len) {
    const nl = head.indexOf('\n', pos);
    const end = nl < 0 ? len : nl;
    let lineEnd = end;
    if (lineEnd > pos && head.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    if (cr >= 0 && cr < lineEnd) throw new SipParseError(`bare CR inside header line "${clip(head.slice(pos, cr), 40)}"`);
    if (cr >= 0 && cr < end) cr = head.indexOf('\r', end);
    if (lineEnd === pos) {
      if (name !== null) fields.push({ name, value });
      return pos;
    }
    const c = head.charCodeAt(pos);
    if (c === SP || c === HT) {
      if (name === null) throw new SipParseError('line folding without a header line to continue');
      let a = pos + 1;
      while (a < lineEnd && (head.charCodeAt(a) === SP || head.charCodeAt(a) === HT)) a++;
      let b = lineEnd;
      while (b > a && (head.charCodeAt(b - 1) === SP || head.charCodeAt(b - 1) === HT)) b--;
      if (b > a) value = value ? value + ' ' + head.slice(a, b) : head.slice(a, b);
    } else {
      if (name !== null) fields.push({ name, value });
      const colon = head.indexOf(':', pos);
      if (colon < 0 || colon >= lineEnd) throw new SipParseError(`header line without a colon: "${clip(head.slice(pos, lineEnd), 40)}"`);
      let nameEnd = colon;
      while (nameEnd > pos && (head.charCodeAt(nameEnd - 1) === SP || head.charCodeAt(nameEnd - 1) === HT)) nameEnd--;
      if (nameEnd === pos) throw new SipParseError(`header line without a name: "${clip(head.slice(pos, lineEnd), 40)}"`);
      name = knownHeaderNameAt(head, pos, nameEnd);
      if (name === null) {
        // Unknown headers keep their name as written; it must be a token.
        if (firstNonToken(head, pos, nameEnd) >= 0) throw new SipParseError(`bad header name "${clip(head.slice(pos, colon), 40)}"`);
        name = head.slice(pos, nameEnd);
      }
      let a = colon + 1;
      while (a < lineEnd && (head.charCodeAt(a) === SP || head.charCodeAt(a) === HT)) a++;
      let b = lineEnd;
      while (b > a && (head.charCodeAt(b - 1) === SP || head.charCodeAt(b - 1) === HT)) b--;
      value = a === b ? '' : head.slice(a, b);
    }
    pos = end + 1;
  }
  if (name !== null) fields.push({ name, value });
  return -1;
}

/**
 * Parse one SIP message (RFC 3261 §7). The start line and the header list are read now; structured
 * header values (Via, CSeq, From, To, URIs) are parsed lazily by the message on first access. Throws
 * SipParseError (with the status a UAS should answer) for anything that does not frame or parse.
 *
 * The body is a view of `buf` (not a copy): do not reuse the buffer while the message is alive.
 */
export function parseMessage(buf: Buffer, options: ParseOptions = {}): SipMessage {
  const max = options.maxMessageSize;
  if (max !== undefined && buf.length > max) throw new SipParseError(`message of ${buf.length} bytes exceeds the ${max}-byte limit`, 513);
  let start = 0;
  while (start < buf.length && (buf[start] === CR || buf[start] === LF)) start++; // §7.5 leading CRLFs
  if (start >= buf.length) throw new SipParseError('empty message');

  let he: { end: number; bodyStart: number } | -1;
  const crlf = buf.indexOf(CRLFCRLF, start);
  he = crlf >= 0 ? { end: crlf, bodyStart: crlf + 4 } : scanBlankLine(buf, start);
  if (he === -1 && !options.datagram) throw new SipParseError('header section not terminated by an empty line');
  const headEnd = he === -1 ? buf.length : he.end;
  const head = buf.toString('utf8', start, headEnd);

  const fields: HeaderField[] = [];
  const nl = head.indexOf('\n');
  let lineEnd = nl < 0 ? head.length : nl;
  if (lineEnd > 0 && head.charCodeAt(lineEnd - 1) === CR) lineEnd--;
  const startLine = head.slice(0, lineEnd);
  if (startLine.indexOf('\r') >= 0) throw new SipParseError('bare CR inside the start line');
  if (nl >= 0) {
    const next = head.charCodeAt(nl + 1);
    if (next === SP || next === HT) throw new SipParseError('line folding after the start line');
    const blank = parseHeaderBlock(head, nl + 1, fields);
    if (blank >= 0) {
      // An empty line before the CRLFCRLF we found: irregular (bare LF) line ends. Re-frame byte-exact.
      he = scanBlankLine(buf, start);
    }
  }
  const headers = new Headers(fields);

  // Content-Length (§18.3, §20.14): one value; a datagram's extra octets are discarded.
  let clValue: string | undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name !== 'Content-Length') continue;
    if (clValue !== undefined) {
      throw new SipParseError(clValue === f.value ? 'more than one Content-Length header' : `conflicting Content-Length headers (${clip(clValue, 12)} and ${clip(f.value, 12)})`);
    }
    clValue = f.value;
  }
  const bodyStart = he === -1 ? buf.length : he.bodyStart;
  const available = buf.length - bodyStart;
  let body: Buffer;
  if (clValue !== undefined) {
    const cl = contentLength(clValue);
    if (cl > available) {
      if (!(options.datagram && options.shortBody === 'accept')) {
        throw new SipParseError(`Content-Length ${cl} exceeds the ${available} body bytes received`);
      }
      body = buf.subarray(bodyStart);
    } else body = cl === 0 ? EMPTY : buf.subarray(bodyStart, bodyStart + cl);
  } else if (options.datagram) {
    body = available > 0 ? buf.subarray(bodyStart) : EMPTY;
  } else {
    if (available > 0) throw new SipParseError('missing Content-Length on a stream transport');
    body = EMPTY;
  }

  if (isResponseLine(startLine)) return parseStatusLine(startLine, headers, body);
  return parseRequestLine(startLine, headers, body);
}

function contentLength(text: string): number {
  if (text.length > 0 && text.length <= 10) {
    let n = 0;
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
    }
    if (i === text.length) return n;
  }
  if (/^-\s*\d+$/.test(text)) throw new SipParseError(`negative Content-Length ${clip(text, 20)}`);
  if (/^\d+$/.test(text)) throw new SipParseError(`Content-Length ${clip(text, 20)} is too large`);
  throw new SipParseError(`bad Content-Length "${clip(text, 20)}"`);
}

function isResponseLine(line: string): boolean {
  // SIP-Version is case-insensitive (§7.1); a method cannot contain '/', so "SIP/" marks a response.
  return line.length > 4 && line.charCodeAt(3) === 0x2f && (line.charCodeAt(0) | 0x20) === 0x73 && (line.charCodeAt(1) | 0x20) === 0x69 && (line.charCodeAt(2) | 0x20) === 0x70;
}

function parseVersion(v: string, where: string): string {
  if (v === 'SIP/2.0') return v;
  if (!/^SIP\/\d+\.\d+$/i.test(v)) throw new SipParseError(`bad SIP-Version "${clip(v, 20)}" in the ${where}`);
  return v.toUpperCase();
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2). */
function parseStatusLine(line: string, headers: Headers, body: Buffer): SipResponse {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) throw new SipParseError(`bad Status-Line "${clip(line)}"`);
  const version = parseVersion(line.slice(0, sp1), 'Status-Line');
  let sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) sp2 = line.length; // a missing SP before an empty reason phrase is tolerated
  const code = line.slice(sp1 + 1, sp2);
  let digits = code.length > 0;
  for (let i = 0; i < code.length; i++) if (DIGIT[code.charCodeAt(i)] !== 1) digits = false;
  if (!digits) throw new SipParseError(`bad status code "${clip(code, 20)}" in the Status-Line`);
  if (code.length !== 3) throw new SipParseError(`status code ${clip(code, 20)} is not three digits`);
  const status = Number(code);
  if (status < 100 || status > 699) throw new SipParseError(`status code ${status} out of range 100-699`);
  return new SipResponse({ status, reason: sp2 < line.length ? line.slice(sp2 + 1) : '', version, headers, body });
}

/** Request-Line = Method SP Request-URI SP SIP-Version — exactly one SP each (§7.1, RFC 4475 §3.1.2.9). */
function parseRequestLine(line: string, headers: Headers, body: Buffer): SipRequest {
  const last = line.charCodeAt(line.length - 1);
  if (last === SP || last === HT) throw new SipParseError('trailing whitespace after the SIP-Version in the Request-Line');
  if (line.indexOf('\t') >= 0) throw new SipParseError('tab character in the Request-Line');
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) throw new SipParseError(`bad Request-Line "${clip(line)}": expected Method SP Request-URI SP SIP-Version`);
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) throw new SipParseError(`bad Request-Line "${clip(line)}": expected Method SP Request-URI SP SIP-Version`);
  if (sp2 === sp1 + 1 || line.charCodeAt(sp2 + 1) === SP) throw new SipParseError('more than one SP between Request-Line elements');
  if (line.indexOf(' ', sp2 + 1) >= 0) throw new SipParseError(`whitespace inside the Request-URI "${clip(line.slice(sp1 + 1, line.lastIndexOf(' ')))}"`);
  const method = line.slice(0, sp1);
  const bad = firstNonToken(method, 0, method.length);
  if (bad >= 0) throw new SipParseError(`bad method "${clip(method, 30)}" (character ${JSON.stringify(method[bad])} is not allowed)`);
  const version = parseVersion(line.slice(sp2 + 1), 'Request-Line');
  return new SipRequest({ method, uri: line.slice(sp1 + 1, sp2), version, headers, body });
}
