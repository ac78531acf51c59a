import { SipParseError } from './errors.ts';
import type { SipRequest } from './message.ts';

export interface Rejection {
  status: number;
  reason: string;
  headers?: Array<[string, string]>;
}

const SUPPORTED_SCHEMES = new Set(['sip', 'sips', 'tel']);

/**
 * RFC 3261 §8.2 request validation at a UAS, in the RFC's order: method/version, Request-URI scheme
 * (416), mandatory headers (400 naming the fault), CSeq method, Require (420). Null when acceptable.
 */
export function validateRequest(req: SipRequest, supported: readonly string[]): Rejection | null {
  if (req.version !== 'SIP/2.0') return { status: 505, reason: 'Version Not Supported' };
  try {
    const scheme = req.requestUri.rawScheme;
    if (!SUPPORTED_SCHEMES.has(scheme)) return { status: 416, reason: 'Unsupported URI Scheme' };
    void req.via;
    void req.from;
    void req.to;
    void req.callId;
    const cseq = req.cseq;
    if (cseq.method !== req.method) return { status: 400, reason: `CSeq method ${cseq.method} does not match ${req.method}` };
    const mf = req.headers.get('Max-Forwards');
    if (mf !== undefined && !/^\d{1,3}$/.test(mf.trim())) return { status: 400, reason: `Bad Max-Forwards "${mf}"` };
  } catch (err) {
    if (err instanceof SipParseError) return { status: err.status, reason: phrase(err.reason) };
    throw err;
  }
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const unknown = req.headers.getAll('Require').map((t) => t.trim().toLowerCase()).filter((t) => t && !supported.includes(t));
    if (unknown.length) return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unknown.join(', ')]] };
  }
  return null;
}

/** A reason phrase must be one line of printable text; keep it short. */
export function phrase(text: string): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  const capped = clean.length > 120 ? clean.slice(0, 117) + '...' : clean;
  return capped.charAt(0).toUpperCase() + capped.slice(1);
}
