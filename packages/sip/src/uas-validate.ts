import { SipParseError } from './errors.ts';
import { parseMediaType, type MediaType } from './header-values.ts';
import type { SipRequest } from './message.ts';
import { parseMultipart } from './multipart.ts';
import { parseNameAddr } from './name-addr.ts';
import { BRANCH_COOKIE } from './via.ts';

export interface Rejection {
  status: number;
  reason: string;
  headers?: Array<[string, string]>;
}

export interface ValidateOptions {
  /** Methods the UAS implements; when given, any other method is answered 501 with Allow (§8.2.1). */
  methods?: readonly string[];
  /** Body types the UAS understands in INVITE/UPDATE/PRACK (§8.2.3). Default: application/sdp. */
  accept?: readonly string[];
}

const SUPPORTED_SCHEMES = new Set(['sip', 'sips', 'tel']);
const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];
const SINGLE = ['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Type'];
const SESSION_METHODS = new Set(['INVITE', 'UPDATE', 'PRACK']);

function list(names: string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function matches(range: MediaType, type: string): boolean {
  const [t, s] = type.split('/');
  return (range.type === '*' || range.type === t) && (range.subtype === '*' || range.subtype === s);
}

/**
 * RFC 3261 §8.2 request validation at a UAS, in the RFC's order: version (505), method (501, when the
 * implemented methods are given), Request-URI (400, 416), mandatory and single-valued headers and their
 * syntax (400 naming the fault), CSeq method, Require (420), body type and encoding (415), Accept (406).
 * Returns null when the request is acceptable.
 */
export function validateRequest(req: SipRequest, supported: readonly string[], options: ValidateOptions = {}): Rejection | null {
  if (req.version !== 'SIP/2.0') return { status: 505, reason: 'Version Not Supported' };
  const { methods } = options;
  if (methods && !methods.includes(req.method)) return { status: 501, reason: 'Not Implemented', headers: [['Allow', methods.join(', ')]] };
  const h = req.headers;
  try {
    const uri = req.requestUri;
    if (!SUPPORTED_SCHEMES.has(uri.rawScheme)) return { status: 416, reason: 'Unsupported URI Scheme' };
    if (uri.headers.size) return bad('Request-URI must not contain headers ("?name=value")');
    const missing = MANDATORY.filter((n) => h.count(n) === 0);
    if (missing.length) return bad(`missing ${list(missing)} header${missing.length > 1 ? 's' : ''}`);
    const repeated = SINGLE.filter((n) => h.count(n) > 1);
    if (repeated.length) return bad(`more than one ${list(repeated)} header`);
    const via = req.via;
    if (via.branch === BRANCH_COOKIE) return bad(`Via branch "${BRANCH_COOKIE}" carries no transaction identifier`);
    void req.from.uri;
    const to = req.to.uri;
    // §10.2: the To of a REGISTER is the address-of-record, a SIP or SIPS URI (RFC 4475 §3.3.4).
    if (req.method === 'REGISTER' && to.scheme !== 'sip' && to.scheme !== 'sips') return bad(`REGISTER To must be a SIP or SIPS URI, not ${to.rawScheme}:`);
    void req.callId;
    const cseq = req.cseq;
    if (cseq.method !== req.method) return bad(`CSeq method ${cseq.method} does not match ${req.method}`);
    void req.maxForwards;
    const contacts = h.getAll('Contact');
    for (const c of contacts) {
      if (c === '*' && req.method === 'REGISTER' && contacts.length === 1) continue;
      try {
        parseNameAddr(c);
      } catch (err) {
        if (err instanceof SipParseError) return bad(`bad Contact header: ${err.reason}`);
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof SipParseError) return { status: err.status, reason: phrase(err.reason) };
    throw err;
  }
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const required: string[] = [];
    for (const v of h.getAll('Require')) required.push(v.trim());
    const unknown = required.filter((t) => t && !supported.some((s) => s.toLowerCase() === t.toLowerCase()));
    if (unknown.length) return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unknown.join(', ')]] };
  }
  if (SESSION_METHODS.has(req.method)) return checkSessionBody(req, options.accept ?? ['application/sdp']);
  return null;
}

function bad(reason: string): Rejection {
  return { status: 400, reason: phrase(reason) };
}

/** §8.2.3 body inspection and RFC 3261 §13.3.1.1/RFC 4475 §3.3.15 Accept check for session requests. */
function checkSessionBody(req: SipRequest, accept: readonly string[]): Rejection | null {
  const h = req.headers;
  const acceptHeader = [['Accept', accept.join(', ')]] as Array<[string, string]>;
  if (req.body.length > 0) {
    const encoding = h.getAll('Content-Encoding').map((e) => e.trim().toLowerCase()).filter((e) => e !== 'identity');
    if (encoding.length) return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept-Encoding', 'identity']] };
    let mt: MediaType | null;
    try {
      mt = req.mediaType;
    } catch (err) {
      if (err instanceof SipParseError) return bad(err.reason);
      throw err;
    }
    if (mt === null) return bad('message body without a Content-Type');
    const ok = (m: MediaType) => accept.includes(`${m.type}/${m.subtype}`);
    if (mt.type === 'multipart') {
      try {
        if (!parseMultipart(req.body, mt).some((p) => p.mediaType !== null && ok(p.mediaType))) return { status: 415, reason: 'Unsupported Media Type', headers: acceptHeader };
      } catch (err) {
        if (err instanceof SipParseError) return bad(err.reason);
        throw err;
      }
    } else if (!ok(mt)) return { status: 415, reason: 'Unsupported Media Type', headers: acceptHeader };
  }
  if (req.method === 'INVITE' && h.count('Accept') > 0) {
    const ranges: MediaType[] = [];
    try {
      for (const r of h.getAll('Accept')) ranges.push(parseMediaType(r, 'Accept'));
    } catch (err) {
      if (err instanceof SipParseError) return bad(err.reason);
      throw err;
    }
    const wanted = accept[0] ?? 'application/sdp';
    if (!ranges.some((r) => matches(r, wanted))) {
      const text = `Accept does not include ${wanted}`;
      return { status: 406, reason: 'Not Acceptable', headers: [['Warning', `399 gwsim "${text}"`]] };
    }
  }
  return null;
}

/** A reason phrase must be one line of printable text; keep it short. */
export function phrase(text: string): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  const capped = clean.length > 120 ? clean.slice(0, 117) + '...' : clean;
  return capped.charAt(0).toUpperCase() + capped.slice(1);
}
