import { SipParseError } from './errors.ts';
import { splitList } from './headers.ts';
import type { SipMessage } from './message.ts';
import { parseHeaderParams } from './name-addr.ts';

/** One Reason header value (RFC 3326 §2): protocol, cause and an optional human-readable text. */
export interface ReasonValue {
  /** `SIP`, `Q.850` or another registered protocol token. */
  protocol: string;
  cause: number;
  text?: string;
}

/** `SIP;cause=404;text="Neither conference nor gateway found"` (quotes and backslashes escaped). */
export function formatReason(reason: ReasonValue): string {
  if (!/^[A-Za-z0-9.\-!%*_+`'~]+$/.test(reason.protocol)) throw new SipParseError(`bad Reason protocol "${reason.protocol}"`);
  if (!Number.isInteger(reason.cause) || reason.cause < 0) throw new SipParseError(`bad Reason cause ${reason.cause}`);
  let s = `${reason.protocol};cause=${reason.cause}`;
  if (reason.text !== undefined) s += `;text="${reason.text.replace(/[\r\n]+/g, ' ').replace(/(["\\])/g, '\\$1')}"`;
  return s;
}

/** Every Reason value in a header value (they may be comma-joined). Throws SipParseError on bad syntax. */
export function parseReason(value: string): ReasonValue[] {
  return splitList(value).map((one) => {
    const semi = one.indexOf(';');
    const protocol = (semi < 0 ? one : one.slice(0, semi)).trim();
    if (!protocol) throw new SipParseError(`Reason "${one}" has no protocol`);
    const params = new Map<string, string | null>();
    if (semi >= 0) parseHeaderParams(one.slice(semi), params);
    const cause = params.get('cause');
    if (cause === undefined || cause === null || !/^\d+$/.test(cause)) throw new SipParseError(`Reason "${one}" has no numeric cause`);
    const text = params.get('text');
    const out: ReasonValue = { protocol, cause: Number(cause) };
    if (text !== undefined && text !== null) out.text = text.startsWith('"') ? text.slice(1, -1).replace(/\\(.)/g, '$1') : text;
    return out;
  });
}

/** The first Reason of `protocol` (default SIP) a message carries, or null (also when it does not parse). */
export function reasonOf(msg: SipMessage, protocol = 'SIP'): ReasonValue | null {
  for (const value of msg.headers.getAll('Reason')) {
    try {
      const found = parseReason(value).find((r) => r.protocol.toUpperCase() === protocol.toUpperCase());
      if (found) return found;
    } catch {
      // a malformed Reason is ignored, never fatal
    }
  }
  return null;
}

/** A `['Reason', value]` header pair for the `headers` option of responses and requests. */
export function reasonHeader(reason: ReasonValue): [string, string] {
  return ['Reason', formatReason(reason)];
}
