/**
 * Parsers for the scalar and list header values of RFC 3261 §20 (CSeq, Max-Forwards, Call-ID, Expires,
 * Date, Content-Type, option-tag lists, Warning). Each throws a SipParseError naming the header and fault.
 */
import { allIn, DIGIT, WORD, isToken, isWs, quotedEnd, skipWs, TOKEN, trimWs } from './abnf.ts';
import { SipParseError } from './errors.ts';
import { splitList } from './headers.ts';
import { parseHeaderParams } from './name-addr.ts';

export interface CSeq {
  seq: number;
  method: string;
}

const MAX_U32 = 0xffffffff;

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}


/** CSeq = 1*DIGIT LWS Method (§20.16); the number must fit in 32 bits. */
export function parseCSeq(value: string): CSeq {
  // Fast path, the usual shape: up to 9 digits, one SP, an upper-case method.
  let n = 0;
  let d = 0;
  for (; d < value.length && d < 10; d++) {
    const c = value.charCodeAt(d);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  if (d > 0 && d < 10 && value.charCodeAt(d) === 0x20 && d + 1 < value.length) {
    let e = d + 1;
    for (; e < value.length; e++) {
      const c = value.charCodeAt(e);
      if (c < 0x41 || c > 0x5a) break;
    }
    if (e === value.length) return { seq: n, method: value.slice(d + 1) };
  }
  let i = skipWs(value, 0);
  const start = i;
  while (i < value.length && DIGIT[value.charCodeAt(i)] === 1) i++;
  if (i === start) throw new SipParseError(`bad CSeq "${clip(value)}": no sequence number`);
  const digits = value.slice(start, i);
  if (i >= value.length || !isWs(value.charCodeAt(i))) throw new SipParseError(`bad CSeq "${clip(value)}": expected a sequence number, whitespace and a method`);
  const seq = digits.length > 10 ? Infinity : Number(digits);
  if (seq > MAX_U32) throw new SipParseError(`CSeq number ${clip(digits)} exceeds 2**32-1`);
  const m = skipWs(value, i);
  let e = m;
  while (e < value.length && TOKEN[value.charCodeAt(e)] === 1) e++;
  if (e === m || skipWs(value, e) !== value.length) throw new SipParseError(`bad CSeq "${clip(value)}": bad method`);
  return { seq, method: value.slice(m, e) };
}

/** Max-Forwards = 1*DIGIT, 0–255 (§20.22). */
export function parseMaxForwards(value: string): number {
  const v = trimWs(value);
  if (!allIn(DIGIT, v)) throw new SipParseError(`bad Max-Forwards "${clip(value)}"`);
  const n = v.length > 5 ? Infinity : Number(v);
  if (n > 255) throw new SipParseError(`Max-Forwards ${clip(v)} exceeds 255`);
  return n;
}

/**
 * delta-seconds = 1*DIGIT (Expires, Retry-After, expires params). Values beyond 2**32-1 are clamped to
 * 2**32-1 (RFC 4475 §3.1.2.4: an overlarge Expires is not a reason to reject a request).
 */
export function parseDeltaSeconds(value: string, header = 'Expires'): number {
  const v = trimWs(value);
  if (!allIn(DIGIT, v)) throw new SipParseError(`bad ${header} "${clip(value)}": not a number of seconds`);
  return v.length > 10 ? MAX_U32 : Math.min(Number(v), MAX_U32);
}

const CALL_ID = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?$/;

/** word [ "@" word ] exactly, without the regex (the hot path). */
function isCallId(v: string): boolean {
  let at = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (WORD[c] === 1) continue;
    if (c !== 0x40 || at >= 0 || i === 0 || i === v.length - 1) return false;
    at = i;
  }
  return v.length > 0;
}

/** Call-ID = word [ "@" word ] (§20.8). */
export function parseCallId(value: string): string {
  if (isCallId(value)) return value;
  const v = trimWs(value);
  if (!CALL_ID.test(v)) throw new SipParseError(v ? `bad Call-ID "${clip(v)}"` : 'empty Call-ID');
  return v;
}

const WKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DATE_RE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (\S+)$/;

/** SIP-date = rfc1123-date, always in GMT (§20.17). */
export function parseSipDate(value: string): Date {
  const m = DATE_RE.exec(trimWs(value));
  if (!m) throw new SipParseError(`bad Date "${clip(value)}": expected RFC 1123 form "Sat, 13 Nov 2010 23:29:00 GMT"`);
  if (m[8] !== 'GMT') throw new SipParseError(`bad Date "${clip(value)}": time zone must be GMT, not ${clip(m[8]!)}`);
  const d = new Date(Date.UTC(Number(m[4]), MONTH.indexOf(m[3]!), Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7])));
  if (Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[2])) throw new SipParseError(`bad Date "${clip(value)}": no such day`);
  if (WKDAY[d.getUTCDay()] !== m[1]) throw new SipParseError(`bad Date "${clip(value)}": ${m[2]} ${m[3]} ${m[4]} is not a ${m[1]}`);
  return d;
}

/** RFC 1123 form of a time (for Date headers we send). */
export function formatSipDate(d: Date): string {
  return d.toUTCString();
}

export interface MediaType {
  /** Lower-cased type and subtype. */
  type: string;
  subtype: string;
  /** Parameters: names lower-cased; quoted values unquoted. */
  params: Map<string, string>;
}

/** media-type = m-type "/" m-subtype *( SEMI m-parameter ) (§20.15), also the media-range of Accept. */
export function parseMediaType(value: string, header = 'Content-Type'): MediaType {
  const bad = (why: string) => new SipParseError(`bad ${header} "${clip(value)}": ${why}`);
  let i = skipWs(value, 0);
  let e = i;
  while (e < value.length && TOKEN[value.charCodeAt(e)] === 1) e++;
  const type = value.slice(i, e);
  i = skipWs(value, e);
  if (!type || value.charCodeAt(i) !== 0x2f) throw bad('expected type/subtype');
  i = skipWs(value, i + 1);
  e = i;
  while (e < value.length && TOKEN[value.charCodeAt(e)] === 1) e++;
  const subtype = value.slice(i, e);
  if (!subtype) throw bad('expected type/subtype');
  const raw = new Map<string, string | null>();
  try {
    parseHeaderParams(value, raw, e);
  } catch (err) {
    throw bad((err as SipParseError).reason);
  }
  const params = new Map<string, string>();
  for (const [k, v] of raw) {
    if (v === null) throw bad(`parameter "${k}" has no value`);
    params.set(k, v.charCodeAt(0) === 0x22 ? v.slice(1, -1).replace(/\\([\s\S])/g, '$1') : v);
  }
  return { type: type.toLowerCase(), subtype: subtype.toLowerCase(), params };
}

/** A comma-separated list of tokens (Require, Supported, Proxy-Require, Unsupported, Allow; §20). */
export function parseTokenList(value: string, header: string): string[] {
  const out = splitList(value);
  for (const t of out) if (!isToken(t)) throw new SipParseError(`bad ${header} "${clip(value)}": "${clip(t)}" is not a token`);
  return out;
}

export interface Warning {
  code: number;
  agent: string;
  text: string;
}

/** warning-value = warn-code SP warn-agent SP warn-text, warn-code = 3DIGIT (§20.43). */
export function parseWarning(value: string): Warning {
  const v = trimWs(value);
  const m = /^(\d+) ([^ ]+) ("[\s\S]*)$/.exec(v);
  if (!m) throw new SipParseError(`bad Warning "${clip(v)}": expected code agent "text"`);
  if (m[1]!.length !== 3) throw new SipParseError(`bad Warning "${clip(v)}": warn-code ${clip(m[1]!)} is not three digits`);
  if (quotedEnd(m[3]!, 0) !== m[3]!.length) throw new SipParseError(`bad Warning "${clip(v)}": warn-text is not one quoted string`);
  return { code: Number(m[1]), agent: m[2]!, text: m[3]!.slice(1, -1).replace(/\\([\s\S])/g, '$1') };
}
