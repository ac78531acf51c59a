import { SipParseError } from './errors.ts';
import type { SipRequest } from './message.ts';
import type { Transport, TransportAddress } from './transport.ts';
import { phrase } from './uas-validate.ts';

const HEADER = (name: string, compact: string) => new RegExp(`^(?:${name}|${compact})[ \\t]*:[ \\t]*(.*)$`, 'im');

/**
 * Answer a request that could not be parsed with 400 and a reason naming the fault, when the raw bytes
 * still carry what a response needs (Via, From, To, Call-ID, CSeq; §8.2 / RFC 4475 §3.1.2). Responses and
 * unanswerable garbage are dropped silently (§18.1.2, §18.2.1).
 */
export function answerMalformed(err: Error, raw: Buffer | null, from: TransportAddress, transport: Transport, product: string, parsed?: SipRequest): void {
  const text = raw ? raw.toString('latin1') : null;
  const pick = (name: string, compact: string): string | undefined => {
    if (parsed) return parsed.headers.get(name);
    return text ? HEADER(name, compact).exec(text)?.[1]?.trim() : undefined;
  };
  if (text !== null && (text.startsWith('SIP/') || !/^[A-Za-z]+ /.test(text.replace(/^[\r\n]+/, '')))) return;
  if (parsed && parsed.method === 'ACK') return;
  if (text !== null && /^ACK /i.test(text.replace(/^[\r\n]+/, ''))) return; // never answer an ACK
  const via = pick('Via', 'v');
  const fromH = pick('From', 'f');
  const to = pick('To', 't');
  const callId = pick('Call-ID', 'i');
  const cseq = pick('CSeq', 'CSeq');
  if (!via || !fromH || !to || !callId || !cseq) return;
  const status = err instanceof SipParseError ? err.status : 400;
  const reason = phrase(err.message);
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    `Via: ${via};received=${from.address}`,
    `From: ${fromH}`,
    `To: ${to}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    `Server: ${product}`,
    `Warning: 399 gwsim "${reason.replace(/"/g, "'")}"`,
    'Content-Length: 0',
    '',
    '',
  ];
  // Answer where the datagram came from: the Via may be the very thing that is broken.
  void transport.send(Buffer.from(lines.join('\r\n'), 'utf8'), from).catch(() => {});
}
