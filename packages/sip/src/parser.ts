import { SipParseError } from './errors.ts';
import { canonicalHeaderName, Headers, type HeaderField } from './headers.ts';
import { SipRequest, SipResponse, type SipMessage } from './message.ts';

const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const CRLF = Buffer.from('\r\n\r\n');

export interface ParseOptions {
  /**
   * Datagram transports carry one message per packet: a missing Content-Length means "the rest".
   * Stream transports must have framed the message already (see `frameStream`).
   */
  datagram?: boolean;
}

/** Index just past the blank line that ends the header section, or -1. Accepts bare LF line ends. */
export function findHeaderEnd(buf: Buffer, from = 0): { end: number; bodyStart: number } | -1 {
  const crlf = buf.indexOf(CRLF, from);
  const lflf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf < 0 && lflf < 0) return -1;
  if (crlf >= 0 && (lflf < 0 || crlf <= lflf)) return { end: crlf, bodyStart: crlf + 4 };
  return { end: lflf, bodyStart: lflf + 2 };
}

/** Split the header section into unfolded lines (RFC 3261 §7.3.1 line folding). */
function headerLines(text: string): string[] {
  const raw = text.split(/\r?\n/);
  const lines: string[] = [];
  for (const line of raw) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] += ' ' + line.trim();
    } else {
      lines.push(line);
    }
  }
  return lines;
}

/**
 * Parse one SIP message (RFC 3261 §7). The start line and the header list are read now; structured
 * header values (Via, CSeq, From, To, URIs) are parsed lazily by the message on first access.
 */
export function parseMessage(buf: Buffer, options: ParseOptions = {}): SipMessage {
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++; // §7.5 leading CRLFs
  if (start >= buf.length) throw new SipParseError('empty message');
  const he = findHeaderEnd(buf, start);
  let headText: string;
  let body: Buffer;
  if (he === -1) {
    if (!options.datagram) throw new SipParseError('header section not terminated by an empty line');
    headText = buf.toString('utf8', start).replace(/\r?\n$/, '');
    body = Buffer.alloc(0);
  } else {
    headText = buf.toString('utf8', start, he.end);
    body = buf.subarray(he.bodyStart);
  }
  const lines = headerLines(headText);
  const startLine = lines.shift()!;
  const fields: HeaderField[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`header line without a name and colon: "${line.slice(0, 40)}"`);
    const name = line.slice(0, colon).trimEnd();
    if (!TOKEN_RE.test(name)) throw new SipParseError(`bad header name "${name.slice(0, 40)}"`);
    fields.push({ name: canonicalHeaderName(name), value: line.slice(colon + 1).trim() });
  }
  const headers = new Headers(fields);

  const clCount = headers.count('Content-Length');
  if (clCount > 1) throw new SipParseError('more than one Content-Length header');
  if (clCount === 1) {
    const clText = headers.get('Content-Length')!;
    if (!/^\d+$/.test(clText)) throw new SipParseError(`bad Content-Length "${clText}"`);
    const cl = Number(clText);
    if (cl > body.length) throw new SipParseError(`Content-Length ${cl} exceeds the ${body.length} body bytes received`);
    body = body.subarray(0, cl); // §18.3: extra bytes after the body in a datagram are discarded
  } else if (!options.datagram && body.length > 0) {
    throw new SipParseError('missing Content-Length on a stream transport');
  }

  if (startLine.startsWith('SIP/')) {
    const m = /^SIP\/(\d+\.\d+) (\d{3}) (.*)$/.exec(startLine);
    if (!m) throw new SipParseError(`bad status line "${startLine.slice(0, 60)}"`);
    const status = Number(m[2]);
    if (status < 100 || status > 699) throw new SipParseError(`status code ${status} out of range`);
    return new SipResponse({ status, reason: m[3]!, version: `SIP/${m[1]}`, headers, body: Buffer.from(body) });
  }
  const parts = startLine.split(' ');
  if (parts.length !== 3) throw new SipParseError(`bad request line "${startLine.slice(0, 60)}"`);
  const [method, uri, version] = parts as [string, string, string];
  if (!TOKEN_RE.test(method)) throw new SipParseError(`bad method "${method}"`);
  if (!/^SIP\/\d+\.\d+$/i.test(version)) throw new SipParseError(`bad SIP version "${version}"`);
  if (!uri) throw new SipParseError('empty Request-URI');
  return new SipRequest({ method, uri, version: version.toUpperCase(), headers, body: Buffer.from(body) });
}
