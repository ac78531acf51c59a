import { SipParseError } from './errors.ts';
import { parseMediaType, type MediaType } from './header-values.ts';
import { Headers, type HeaderField } from './headers.ts';
import { parseHeaderBlock } from './parser.ts';

/** One body part of a multipart body (RFC 2046 §5.1, RFC 5621 for SIP). */
export interface BodyPart {
  /** The part's own header fields (Content-Type, Content-Disposition, Content-ID …). */
  headers: Headers;
  /** The part's content, octet-exact (binary parts keep NUL, CR and LF octets). */
  body: Buffer;
  /** The part's Content-Type parsed, or null (RFC 2046 default: text/plain). */
  mediaType: MediaType | null;
}

const CRLF = Buffer.from('\r\n');

/** Is `pos` the start of a line in `body` (beginning of the body, or just after LF)? */
function atLineStart(body: Buffer, pos: number): boolean {
  return pos === 0 || body[pos - 1] === 0x0a;
}

/** End of the part content before the delimiter at `delim`: the CRLF (or bare LF) belongs to the delimiter. */
function contentEnd(body: Buffer, delim: number): number {
  if (delim >= 2 && body[delim - 2] === 0x0d && body[delim - 1] === 0x0a) return delim - 2;
  if (delim >= 1 && body[delim - 1] === 0x0a) return delim - 1;
  return delim;
}

/**
 * Split a multipart body (multipart/mixed, /alternative, /related, /signed …) into its parts by the
 * boundary of `contentType`. Parts are framed by octets, so binary parts survive; the preamble and the
 * epilogue are ignored. Throws SipParseError when the boundary is missing or the body is not closed.
 */
export function parseMultipart(body: Buffer, contentType: string | MediaType): BodyPart[] {
  const mt = typeof contentType === 'string' ? parseMediaType(contentType) : contentType;
  if (mt.type !== 'multipart') throw new SipParseError(`Content-Type ${mt.type}/${mt.subtype} is not multipart`);
  const boundary = mt.params.get('boundary');
  if (!boundary) throw new SipParseError('multipart Content-Type without a boundary parameter');
  if (boundary.length > 70) throw new SipParseError('multipart boundary longer than 70 characters');
  const dash = Buffer.from(`--${boundary}`, 'latin1');

  let pos = -1;
  for (let i = body.indexOf(dash); i >= 0; i = body.indexOf(dash, i + 1)) {
    if (atLineStart(body, i)) {
      pos = i;
      break;
    }
  }
  if (pos < 0) throw new SipParseError(`multipart body has no "--${boundary}" delimiter`);
  const parts: BodyPart[] = [];
  for (;;) {
    let after = pos + dash.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) return parts; // close-delimiter
    while (body[after] === 0x20 || body[after] === 0x09) after++; // transport padding
    if (body[after] === 0x0d && body[after + 1] === 0x0a) after += 2;
    else if (body[after] === 0x0a) after += 1;
    else throw new SipParseError('multipart delimiter line not followed by a line end');
    let next = -1;
    for (let i = body.indexOf(dash, after); i >= 0; i = body.indexOf(dash, i + 1)) {
      if (atLineStart(body, i)) {
        next = i;
        break;
      }
    }
    if (next < 0) throw new SipParseError(`multipart body not closed by "--${boundary}--"`);
    parts.push(parsePart(body.subarray(after, contentEnd(body, next))));
    pos = next;
  }
}

function parsePart(part: Buffer): BodyPart {
  const fields: HeaderField[] = [];
  let content: Buffer;
  if (part.length === 0) content = part; // no headers, no content (RFC 2046 allows it)
  else if (part[0] === 0x0d && part[1] === 0x0a) content = part.subarray(2);
  else if (part[0] === 0x0a) content = part.subarray(1);
  else {
    const crlf = part.indexOf('\r\n\r\n');
    const lf = part.indexOf('\n\n');
    const useLf = lf >= 0 && (crlf < 0 || lf < crlf);
    const end = useLf ? lf : crlf;
    // Headers only (no empty line): the part has no content.
    parseHeaderBlock(part.toString('utf8', 0, end < 0 ? part.length : end), 0, fields);
    content = end < 0 ? part.subarray(part.length) : part.subarray(end + (useLf ? 2 : 4));
  }
  const headers = new Headers(fields);
  const ct = headers.get('Content-Type');
  return { headers, body: content, mediaType: ct === undefined ? null : parseMediaType(ct) };
}

/** Build a multipart body from parts (each part's headers, then its content) with the given boundary. */
export function formatMultipart(parts: Array<{ headers: Headers | Array<[string, string]>; body: Buffer | string }>, boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\n`;
    const fields = p.headers instanceof Headers ? p.headers.fields.map((f) => [f.name, f.value] as const) : p.headers;
    for (const [k, v] of fields) head += `${k}: ${v}\r\n`;
    chunks.push(Buffer.from(head + '\r\n', 'utf8'), typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body, CRLF);
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}
