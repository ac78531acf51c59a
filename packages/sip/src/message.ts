import { topLevelComma } from './abnf.ts';
import { SipParseError } from './errors.ts';
import { parseCallId, parseCSeq, parseMaxForwards, parseMediaType, type CSeq, type MediaType } from './header-values.ts';
import { Headers, sameName, splitList } from './headers.ts';
import { parseNameAddrLazy, type NameAddr } from './name-addr.ts';
import { parseUri, type SipUri } from './uri.ts';
import { parseVia, type Via } from './via.ts';

export { parseCSeq, type CSeq } from './header-values.ts';

/** Wrap a structured-header failure so the reason names the header. */
function inHeader(name: string, err: unknown): never {
  if (err instanceof SipParseError) throw new SipParseError(`bad ${name} header: ${err.reason}`, err.status, { cause: err });
  throw err;
}

/**
 * Fields shared by requests and responses. The parser fills `headers` and `body`; structured headers
 * (RFC 3261 §20) are parsed on first access and cached, and throw a SipParseError naming the fault.
 */
const SINGLE_LOWER = { CSeq: 'cseq', 'Call-ID': 'call-id', From: 'from', To: 'to', 'Max-Forwards': 'max-forwards' } as const;

abstract class SipMessageBase {
  headers: Headers;
  body: Buffer;
  #via?: Via;
  #cseq?: CSeq;
  #from?: NameAddr;
  #to?: NameAddr;
  #callId?: string;

  constructor(headers: Headers, body: Buffer) {
    this.headers = headers;
    this.body = body;
  }

  /** Top Via (throws SipParseError when missing or malformed). */
  get via(): Via {
    if (this.#via === undefined) {
      let top: string | undefined;
      for (const f of this.headers.fields) {
        if (f.name !== 'Via' && !sameName(f.name, 'via')) continue;
        top = f.value.indexOf(',') < 0 || topLevelComma(f.value) < 0 ? f.value : splitList(f.value)[0];
        if (top) break;
      }
      if (!top) throw new SipParseError('missing Via header');
      this.#via = parseVia(top);
    }
    return this.#via;
  }

  /** Every Via value, top first. */
  get vias(): Via[] {
    return this.headers.getAll('Via').map(parseVia);
  }

  get cseq(): CSeq {
    if (this.#cseq === undefined) {
      this.#cseq = parseCSeq(this.#single('CSeq'));
    }
    return this.#cseq;
  }

  get callId(): string {
    if (this.#callId === undefined) {
      this.#callId = parseCallId(this.#single('Call-ID'));
    }
    return this.#callId;
  }

  get from(): NameAddr {
    if (this.#from === undefined) this.#from = this.#address('From');
    return this.#from;
  }

  get to(): NameAddr {
    if (this.#to === undefined) this.#to = this.#address('To');
    return this.#to;
  }

  get fromTag(): string | null {
    return this.from.params.get('tag') ?? null;
  }

  get toTag(): string | null {
    return this.to.params.get('tag') ?? null;
  }

  /** Max-Forwards as a number, or null when absent (RFC 2543 requests have none). */
  get maxForwards(): number | null {
    if (this.headers.count('Max-Forwards') === 0) return null;
    return parseMaxForwards(this.#single('Max-Forwards'));
  }

  /** Content-Type as written (trimmed), or undefined. */
  get contentType(): string | undefined {
    return this.headers.get('Content-Type')?.trim();
  }

  /** Content-Type parsed (type/subtype lower-cased, parameters), or null when absent. */
  get mediaType(): MediaType | null {
    const v = this.headers.get('Content-Type');
    return v === undefined ? null : parseMediaType(v);
  }

  /** Forget cached structured headers after the raw headers were changed. */
  invalidate(): void {
    this.#via = undefined;
    this.#cseq = undefined;
    this.#from = undefined;
    this.#to = undefined;
    this.#callId = undefined;
  }

  /** The value of a header that must appear exactly once (one pass over the fields). */
  #single(name: 'CSeq' | 'Call-ID' | 'From' | 'To' | 'Max-Forwards'): string {
    let value: string | undefined;
    let n = 0;
    const fields = this.headers.fields;
    const lower = SINGLE_LOWER[name];
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      // Known names are stored canonical; anything else set by hand is compared case-insensitively.
      if (f.name === name || sameName(f.name, lower)) {
        if (n++ === 0) value = f.value;
      }
    }
    if (n === 0 || (n === 1 && !value!.trim())) throw new SipParseError(n === 0 ? `missing ${name} header` : `empty ${name} header`);
    if (n > 1) throw new SipParseError(`more than one ${name} header`);
    return value!;
  }

  /** From/To with its URI parsed on first access of `.uri` (a transaction needs only the tag). */
  #address(name: 'From' | 'To'): NameAddr {
    const v = this.#single(name);
    try {
      return parseNameAddrLazy(v, name);
    } catch (err) {
      return inHeader(name, err);
    }
  }
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

  /** Request-URI, parsed on first access (throws SipParseError naming the fault). */
  get requestUri(): SipUri {
    if (this.#parsedUri === undefined) {
      if (this.uri.startsWith('<')) throw new SipParseError('Request-URI must not be enclosed in "<" and ">"');
      try {
        this.#parsedUri = parseUri(this.uri);
      } catch (err) {
        if (err instanceof SipParseError) throw new SipParseError(`bad Request-URI: ${err.reason}`, err.status, { cause: err });
        throw err;
      }
    }
    return this.#parsedUri;
  }

  override invalidate(): void {
    super.invalidate();
    this.#parsedUri = undefined;
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
