import { topLevelComma } from './abnf.ts';
import { SipParseError } from './errors.ts';
import { canonicalHeaderName } from './headers.ts';
import type { SipRequest } from './message.ts';
import type { Transport, TransportAddress } from './transport.ts';
import { phrase, validateRequest } from './uas-validate.ts';

const REQUEST_START = /^[A-Za-z0-9\-.!%*_+`'~]+ /;
const WANTED = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq']);

/**
 * The header lines a response needs, read leniently from bytes that did not parse: every Via line, the
 * first From, To, Call-ID and CSeq (continuation lines unfolded). Stops at the first empty line.
 */
function rawHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const lines = text.split('\n');
  let current: string[] | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') break;
    if (line[0] === ' ' || line[0] === '\t') {
      if (current && current.length) current[current.length - 1] += ' ' + line.trim();
      continue;
    }
    current = null;
    const m = /^([^:\s]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const name = canonicalHeaderName(m[1]!);
    if (!WANTED.has(name)) continue;
    const list = out.get(name) ?? [];
    if (name === 'Via' || list.length === 0) {
      list.push(m[2]!.trim());
      out.set(name, list);
      current = list;
    }
  }
  return out;
}

/** `;received=` goes on the first Via value, which may share its line with others (`Via: a, b`). */
function withReceived(via: string, address: string): string {
  const comma = topLevelComma(via);
  return comma < 0 ? `${via};received=${address}` : `${via.slice(0, comma).trimEnd()};received=${address}${via.slice(comma)}`;
}

/**
 * Answer a request that could not be parsed or matched with the status the fault calls for (400 with a
 * reason naming it, or 505/513/416 …) when the bytes still carry what a response needs (Via, From, To,
 * Call-ID, CSeq; §8.2, RFC 4475 §3.1.2). Responses, ACKs and unanswerable garbage are dropped silently
 * (§18.1.2, §18.2.1). With `parsed`, the request parsed but failed in the transaction layer (broken Via,
 * From or CSeq): the reason is then the first fault found in §8.2 order.
 */
export function answerMalformed(err: Error, raw: Buffer | null, from: TransportAddress, transport: Transport, product: string, parsed?: SipRequest): void {
  let status = err instanceof SipParseError ? err.status : 400;
  let reason = phrase(err instanceof SipParseError ? err.reason : err.message);
  let extra: Array<[string, string]> = [];
  let picked: Map<string, string[]>;
  let encoding: 'utf8' | 'latin1' = 'utf8';
  if (parsed) {
    if (parsed.method === 'ACK') return;
    const diagnosis = validateRequest(parsed, []);
    if (diagnosis) {
      status = diagnosis.status;
      reason = diagnosis.reason;
      extra = diagnosis.headers ?? [];
    }
    const h = parsed.headers;
    picked = new Map<string, string[]>();
    for (const name of WANTED) {
      const values = name === 'Via' ? h.fields.filter((f) => f.name === 'Via').map((f) => f.value) : [h.get(name)].filter((v): v is string => v !== undefined);
      if (values.length) picked.set(name, values);
    }
  } else {
    if (raw === null) return;
    const text = raw.toString('latin1').replace(/^[\r\n]+/, '');
    if (/^SIP\//i.test(text) || !REQUEST_START.test(text) || text.startsWith('ACK ')) return;
    picked = rawHeaders(text);
    encoding = 'latin1';
  }
  const vias = picked.get('Via');
  const one = (name: string) => picked.get(name)?.[0];
  if (!vias || !one('From') || !one('To') || !one('Call-ID') || !one('CSeq')) return;
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...vias.map((v, i) => `Via: ${i === 0 ? withReceived(v, from.address) : v}`),
    `From: ${one('From')}`,
    `To: ${one('To')}`,
    `Call-ID: ${one('Call-ID')}`,
    `CSeq: ${one('CSeq')}`,
    ...extra.map(([k, v]) => `${k}: ${v}`),
    `Server: ${product}`,
    `Warning: 399 gwsim "${reason.replace(/["\\]/g, "'")}"`,
    'Content-Length: 0',
    '',
    '',
  ];
  // Answer where the datagram came from: the Via may be the very thing that is broken. Octets copied from
  // raw bytes go back unchanged (latin1 maps each octet to one char and back).
  void transport.send(Buffer.from(lines.join('\r\n'), encoding), from).catch(() => {});
}
