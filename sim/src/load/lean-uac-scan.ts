import { parseMessage, type SipRequest, type SipResponse } from '@gwsim/sip';

/**
 * What the lean UAC reads of a response: enough to match it to its call and transaction (Call-ID, CSeq,
 * top Via branch — RFC 3261 §17.1.3) and to act on it (status, To with its tag, and for a 2xx the Contact
 * and Record-Route that make the dialog's remote target and route set, §12.1.2).
 */
export interface ResponseHead {
  status: number;
  reason: string;
  callId: string;
  cseq: number;
  method: string;
  /** Branch of the top Via ('' when none). */
  branch: string;
  /** The To header as written. */
  to: string;
  /** The Contact header as written ('' when none). */
  contact: string;
  /** Record-Route values in order, each header line as written (empty when none). */
  recordRoute: string[];
}

const SP = 32;
const BLANK_LINE = Buffer.from('\r\n\r\n');
const HT = 9;

/** s[from, to) equals `lower` ignoring ASCII case. */
function nameIs(s: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = s.charCodeAt(from + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The value of parameter `name` (lower case) in `params` (`;name=value` with optional whitespace around
 * `;` and `=`, names case-insensitive), or '' when absent.
 */
function paramValue(params: string, name: string): string {
  // The usual form first (`;name=value`, as written), without a lower-cased copy.
  const plain = params.indexOf(`;${name}=`);
  if (plain >= 0) return params.slice(plain + name.length + 2, valueEnd(params, plain + name.length + 2));
  const lower = params.toLowerCase();
  for (let i = lower.indexOf(name); i >= 0; i = lower.indexOf(name, i + name.length)) {
    let p = i - 1;
    while (p >= 0 && (lower.charCodeAt(p) === SP || lower.charCodeAt(p) === HT)) p--;
    let q = i + name.length;
    while (q < lower.length && (lower.charCodeAt(q) === SP || lower.charCodeAt(q) === HT)) q++;
    if (p < 0 || lower.charCodeAt(p) !== 59 /* ; */ || lower.charCodeAt(q) !== 61 /* = */) continue;
    q++;
    while (q < lower.length && (lower.charCodeAt(q) === SP || lower.charCodeAt(q) === HT)) q++;
    return params.slice(q, valueEnd(params, q));
  }
  return '';
}

/** End of a parameter value starting at `from`: the next `;`, `,` or whitespace. */
function valueEnd(s: string, from: number): number {
  let e = from;
  while (e < s.length) {
    const c = s.charCodeAt(e);
    if (c === 59 || c === 44 || c === SP || c === HT) break;
    e++;
  }
  return e;
}

/** CSeq `1*DIGIT LWS Method` into `h`; false when it is not that. */
function parseCSeqValue(v: string, h: ResponseHead): boolean {
  let i = 0;
  let n = 0;
  while (i < v.length && i < 10) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    i++;
  }
  if (i === 0) return false;
  const digits = i;
  while (i < v.length && (v.charCodeAt(i) === SP || v.charCodeAt(i) === HT)) i++;
  if (i === digits || i === v.length) return false;
  const method = v.slice(i);
  if (!TOKEN.test(method)) return false;
  h.cseq = n;
  h.method = method;
  return true;
}

const TOKEN = /^[A-Za-z0-9!%'*+.`~_-]+$/;

/** The branch of a Via value's first entry. */
export function branchOf(via: string): string {
  const comma = via.indexOf(',');
  return paramValue(comma < 0 ? via : via.slice(0, comma), 'branch');
}

/** The tag of a From/To value: a header parameter, after the `<…>` when there is one. */
export function tagOf(nameAddr: string): string {
  const gt = nameAddr.lastIndexOf('>');
  return paramValue(gt < 0 ? nameAddr : nameAddr.slice(gt + 1), 'tag');
}

/** The URI of a Contact (or Record-Route) value's first entry: inside `<…>`, else up to its parameters. */
export function uriOf(nameAddr: string): string {
  const lt = nameAddr.indexOf('<');
  if (lt >= 0) {
    const gt = nameAddr.indexOf('>', lt);
    return gt < 0 ? '' : nameAddr.slice(lt + 1, gt).trim();
  }
  const v = nameAddr.trim();
  const end = v.search(/[;,]/);
  return end < 0 ? v : v.slice(0, end);
}

/**
 * Reads responses into one reused ResponseHead. The fast path scans a well-formed datagram (CRLF line
 * ends, no folded lines) for the few headers it needs, compact forms included; anything else — a request,
 * folding, bare LF, a missing header — goes through `parseMessage`, which also rejects what is malformed.
 */
export class ResponseScanner {
  readonly head: ResponseHead = { status: 0, reason: '', callId: '', cseq: 0, method: '', branch: '', to: '', contact: '', recordRoute: [] };
  /** The request, parsed, after `scan` said 'request'. */
  request: SipRequest | null = null;

  /**
   * 'response' when `head` now describes `buf`; 'request' for a request (in `request`); 'garbage' for
   * anything that is not a SIP message.
   */
  scan(buf: Buffer): 'response' | 'request' | 'garbage' {
    this.request = null;
    // The header section only (a 200's SDP is not read), as UTF-8: a reason phrase or display name is copied into the ACK as it came.
    const end = buf.indexOf(BLANK_LINE);
    const s = buf.toString('utf8', 0, end < 0 ? buf.length : end + 4);
    if (s.startsWith('SIP/2.0 ') && this.#fast(s)) return 'response';
    let msg;
    try {
      msg = parseMessage(buf, { datagram: true });
    } catch {
      return 'garbage';
    }
    if (msg.kind === 'request') {
      this.request = msg;
      return 'request';
    }
    try {
      this.#fromParsed(msg);
    } catch {
      return 'garbage'; // a required header is missing or malformed
    }
    return 'response';
  }

  #fast(s: string): boolean {
    const h = this.head;
    const d0 = s.charCodeAt(8) - 48;
    const d1 = s.charCodeAt(9) - 48;
    const d2 = s.charCodeAt(10) - 48;
    if (d0 < 1 || d0 > 6 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || s.charCodeAt(11) !== SP) return false;
    let eol = s.indexOf('\r\n', 12);
    if (eol < 0) return false;
    h.status = d0 * 100 + d1 * 10 + d2;
    h.reason = s.slice(12, eol);
    h.callId = '';
    h.cseq = 0;
    h.method = '';
    h.branch = '';
    h.to = '';
    h.contact = '';
    h.recordRoute.length = 0;
    let via = false;
    let pos = eol + 2;
    for (;;) {
      eol = s.indexOf('\r\n', pos);
      if (eol < 0) return false; // no empty line: bare LF line ends, or a truncated message
      if (eol === pos) break; // the empty line: end of the headers
      const next = s.charCodeAt(eol + 2);
      if (next === SP || next === HT) return false; // a folded header
      const colon = s.indexOf(':', pos);
      if (colon < 0 || colon > eol) return false;
      let nameEnd = colon;
      while (nameEnd > pos && (s.charCodeAt(nameEnd - 1) === SP || s.charCodeAt(nameEnd - 1) === HT)) nameEnd--;
      const len = nameEnd - pos;
      let what = 0;
      if (len === 1) {
        const c = s.charCodeAt(pos) | 0x20;
        what = c === 0x76 /* v */ ? 1 : c === 0x69 /* i */ ? 2 : c === 0x74 /* t */ ? 4 : c === 0x6d /* m */ ? 5 : 0;
      } else if (len === 3 && nameIs(s, pos, nameEnd, 'via')) what = 1;
      else if (len === 7 && nameIs(s, pos, nameEnd, 'call-id')) what = 2;
      else if (len === 4 && nameIs(s, pos, nameEnd, 'cseq')) what = 3;
      else if (len === 2 && nameIs(s, pos, nameEnd, 'to')) what = 4;
      else if (len === 7 && nameIs(s, pos, nameEnd, 'contact')) what = 5;
      else if (len === 12 && nameIs(s, pos, nameEnd, 'record-route')) what = 6;
      if (what !== 0) {
        const value = s.slice(colon + 1, eol).trim();
        switch (what) {
          case 1:
            if (!via) h.branch = branchOf(value);
            via = true;
            break;
          case 2:
            if (!h.callId) h.callId = value;
            break;
          case 3:
            if (!h.method && !parseCSeqValue(value, h)) return false;
            break;
          case 4:
            if (!h.to) h.to = value;
            break;
          case 5:
            if (!h.contact) h.contact = value;
            break;
          default:
            h.recordRoute.push(value);
        }
      }
      pos = eol + 2;
    }
    return via && h.callId !== '' && h.method !== '' && h.to !== '';
  }

  #fromParsed(res: SipResponse): void {
    const h = this.head;
    h.status = res.status;
    h.reason = res.reason;
    h.callId = res.callId;
    const cseq = res.cseq;
    h.cseq = cseq.seq;
    h.method = cseq.method;
    h.branch = res.via.branch ?? '';
    h.to = res.to && res.headers.get('To')!; // `to` throws when To is missing or malformed
    h.contact = res.headers.get('Contact') ?? '';
    h.recordRoute.length = 0;
    for (const rr of res.headers.getAll('Record-Route')) h.recordRoute.push(rr);
  }
}
