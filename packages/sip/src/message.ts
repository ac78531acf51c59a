import { SipParseError } from './errors.ts';
import { Headers } from './headers.ts';
import { parseNameAddr, type NameAddr } from './name-addr.ts';
import { parseUri, type SipUri } from './uri.ts';
import { parseVia, type Via } from './via.ts';

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value);
  if (!m) throw new SipParseError(`bad CSeq "${value}"`);
  const seq = Number(m[1]);
  if (seq > 0xffffffff) throw new SipParseError(`CSeq number ${m[1]} exceeds 2**32-1`);
  return { seq, method: m[2]! };
}

/** Fields shared by requests and responses; structured headers are parsed on first access and cached. */
abstract class SipMessageBase {
  headers: Headers;
  body: Buffer;
  #via?: Via;
  #cseq?: CSeq;
  #from?: NameAddr;
  #to?: NameAddr;

  constructor(headers: Headers, body: Buffer) {
    this.headers = headers;
    this.body = body;
  }

  /** Top Via (throws SipParseError when missing or malformed). */
  get via(): Via {
    if (!this.#via) {
      const v = this.headers.getAll('Via')[0];
      if (v === undefined) throw new SipParseError('missing Via header');
      this.#via = parseVia(v);
    }
    return this.#via;
  }

  get vias(): Via[] {
    return this.headers.getAll('Via').map(parseVia);
  }

  get cseq(): CSeq {
    if (!this.#cseq) {
      if (this.headers.count('CSeq') !== 1) throw new SipParseError(this.headers.count('CSeq') ? 'more than one CSeq header' : 'missing CSeq header');
      this.#cseq = parseCSeq(this.headers.get('CSeq')!);
    }
    return this.#cseq;
  }

  get callId(): string {
    const v = this.headers.get('Call-ID');
    if (v === undefined || !v.trim()) throw new SipParseError('missing Call-ID header');
    if (this.headers.count('Call-ID') > 1) throw new SipParseError('more than one Call-ID header');
    return v.trim();
  }

  get from(): NameAddr {
    if (!this.#from) this.#from = parseSingleAddress(this.headers, 'From');
    return this.#from;
  }

  get to(): NameAddr {
    if (!this.#to) this.#to = parseSingleAddress(this.headers, 'To');
    return this.#to;
  }

  get fromTag(): string | null {
    return this.from.params.get('tag') ?? null;
  }

  get toTag(): string | null {
    return this.to.params.get('tag') ?? null;
  }

  get contentType(): string | undefined {
    return this.headers.get('Content-Type')?.trim();
  }

  /** Forget cached structured headers after the raw headers were changed. */
  invalidate(): void {
    this.#via = undefined;
    this.#cseq = undefined;
    this.#from = undefined;
    this.#to = undefined;
  }
}

function parseSingleAddress(headers: Headers, name: 'From' | 'To'): NameAddr {
  const n = headers.count(name);
  if (n === 0) throw new SipParseError(`missing ${name} header`);
  if (n > 1) throw new SipParseError(`more than one ${name} header`);
  return parseNameAddr(headers.get(name)!);
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  uri: string;
  version: string;
  #parsedUri?: SipUri;

  constructor(init: { method: string; uri: string; version?: string; headers?: Headers; body?: Buffer }) {
    super(init.headers ?? new Headers(), init.body ?? Buffer.alloc(0));
    this.method = init.method;
    this.uri = init.uri;
    this.version = init.version ?? 'SIP/2.0';
  }

  /** Request-URI, parsed on first access. */
  get requestUri(): SipUri {
    if (!this.#parsedUri) this.#parsedUri = parseUri(this.uri);
    return this.#parsedUri;
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;
  version: string;

  constructor(init: { status: number; reason: string; version?: string; headers?: Headers; body?: Buffer }) {
    super(init.headers ?? new Headers(), init.body ?? Buffer.alloc(0));
    this.status = init.status;
    this.reason = init.reason;
    this.version = init.version ?? 'SIP/2.0';
  }
}

export type SipMessage = SipRequest | SipResponse;

/** Default reason phrases (RFC 3261 §21 and friends). */
export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required',
  408: 'Request Timeout', 410: 'Gone', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long',
  415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 420: 'Bad Extension', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 491: 'Request Pending', 500: 'Server Internal Error', 501: 'Not Implemented',
  503: 'Service Unavailable', 504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Progress' : status < 300 ? 'OK' : 'Error');
}
