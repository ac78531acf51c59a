/**
 * Property tests for the message parser (STYLE.md, after pion's sdp fuzz test): for random bytes and for
 * mutations of valid messages (the torture corpus among the seeds), parsing and every structured accessor
 * throw nothing but SipParseError, and whatever parses re-serializes and re-parses equal — start line,
 * header fields and body, and URIs, name-addrs and Vias by their own formatters. Seeded and bounded
 * (5,000 cases); for a longer hunt: FUZZ_N=100000 FUZZ_SEED=7 npx vitest run packages/sip/test/fuzz.test.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  checkWellFormed,
  formatNameAddr,
  formatUri,
  formatVia,
  parseMessage,
  parseMultipart,
  parseNameAddr,
  parseUri,
  parseVia,
  serializeMessage,
  SipParseError,
  SipRequest,
  type SipMessage,
} from '../src/index.ts';
import { validateRequest } from '../src/uas-validate.ts';

const CORPUS = fileURLToPath(new URL('../../../../shared/conformance/sip-torture/', import.meta.url));

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'));
const SEEDS: Buffer[] = [
  crlf(`INVITE sip:1234567890123@vc.example.com;transport=udp SIP/2.0
Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK776asdhds;rport, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKx;received=10.1.1.1
Max-Forwards: 70
To: "Meet \\"room\\"" <sip:1234567890123@vc.example.com>
From: Room <sips:room%40x:pw@example.com:5061;user=phone?subject=hi%20there&x=y>;tag=1928301774
Call-ID: a84b4c76e66710@10.0.0.1
CSeq: 314159 INVITE
Contact: <sip:room4@10.0.0.1:5060>;expires=60;+sip.instance="<urn:uuid:1>", tel:+1-201-555-0123;phone-context=example.com
Route: <sip:p1.example.com;lr>
Content-Type: multipart/mixed;boundary=XyZ
Content-Length: 96

--XyZ
Content-Type: application/sdp

v=0
--XyZ
Content-Type: text/plain

Hello
--XyZ--
`),
  crlf('SIP/2.0 486 Busy Here — très occupé\nv: SIP/2.0/UDP a.example;branch=z9hG4bK1\nf: <sip:a@b>;tag=1\nt: <sip:c@d>;tag=2\ni: x@y\nCSeq: 1 INVITE\nl: 0\n\n'),
];
if (existsSync(CORPUS)) for (const f of readdirSync(CORPUS).filter((n) => n.endsWith('.sip')).sort()) SEEDS.push(readFileSync(CORPUS + f));

const SPECIAL = Buffer.from(':;,<>"\\\r\n \t%[]@=?&/0zZ\u00ff');

function mutate(rnd: () => number, seed: Buffer): Buffer {
  let buf = Buffer.from(seed);
  const ops = 1 + Math.floor(rnd() * 4);
  const pick = () => Math.floor(rnd() * Math.max(1, buf.length));
  for (let k = 0; k < ops; k++) {
    const op = Math.floor(rnd() * 7);
    const at = pick();
    if (op === 0) buf[at] = Math.floor(rnd() * 256); // random byte
    else if (op === 1) buf[at] = SPECIAL[Math.floor(rnd() * SPECIAL.length)]!; // grammar-significant byte
    else if (op === 2) buf = Buffer.concat([buf.subarray(0, at), Buffer.from([SPECIAL[Math.floor(rnd() * SPECIAL.length)]!]), buf.subarray(at)]);
    else if (op === 3) buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + Math.floor(rnd() * 20)))]); // delete
    else if (op === 4) buf = buf.subarray(0, at); // truncate
    else if (op === 5) {
      // duplicate a line
      const s = buf.lastIndexOf(0x0a, at);
      const e = buf.indexOf(0x0a, at);
      if (e > s) buf = Buffer.concat([buf.subarray(0, e + 1), buf.subarray(s + 1, e + 1), buf.subarray(e + 1)]);
    } else buf = Buffer.concat([buf.subarray(0, at), SEEDS[Math.floor(rnd() * SEEDS.length)]!.subarray(pick())]); // splice
  }
  return buf;
}

function randomBytes(rnd: () => number): Buffer {
  const n = Math.floor(rnd() * 300);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rnd() < 0.5 ? SPECIAL[Math.floor(rnd() * SPECIAL.length)]! : 0x20 + Math.floor(rnd() * 95);
  return rnd() < 0.5 ? Buffer.concat([Buffer.from(rnd() < 0.5 ? 'INVITE sip:a@b SIP/2.0\r\n' : 'SIP/2.0 200 OK\r\n'), b]) : b;
}

/** Deep equality; vitest's diff only when it fails (the fast path keeps 5,000 cases to a few seconds). */
function same(a: unknown, b: unknown): void {
  if (!isDeepStrictEqual(a, b)) expect(a).toEqual(b);
}

/** Run fn; anything thrown must be a SipParseError. Returns the value or undefined. */
function onlyParseErrors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    return undefined;
  }
}

const start = (x: SipMessage) => (x instanceof SipRequest ? `${x.method} ${x.uri} ${x.version}` : `${x.version} ${x.status} ${x.reason}`);
const fields = (x: SipMessage) => x.headers.fields.filter((f) => f.name !== 'Content-Length');

/**
 * Differential check of the regex fast paths against the full grammar: the same value with LWS before
 * its first ';' (Via, header parameters) or a mixed-case scheme (SIP-URI) must parse the same, or fail alike.
 */
function sameBothWays<T>(parse: (s: string) => T, text: string, slow: string): void {
  let fast: T | SipParseError;
  let general: T | SipParseError;
  try {
    fast = parse(text);
  } catch (err) {
    fast = err as SipParseError;
  }
  try {
    general = parse(slow);
  } catch (err) {
    general = err as SipParseError;
  }
  if (fast instanceof SipParseError || general instanceof SipParseError) {
    if (!(fast instanceof SipParseError && general instanceof SipParseError)) expect({ text, fast, general }).toBe('both failing or both parsing');
  } else same(fast, general);
}

function checkStructured(m: SipMessage): void {
  for (const via of onlyParseErrors(() => m.vias) ?? []) same(parseVia(formatVia(via)), via);
  for (const v of m.headers.getAll('Via')) if (v.includes(';')) sameBothWays(parseVia, v, v.replace(';', ' ;'));
  if (m instanceof SipRequest && /^sip:/.test(m.uri)) sameBothWays(parseUri, m.uri, `Sip:${m.uri.slice(4)}`);
  const addrs = [...m.headers.getAll('From'), ...m.headers.getAll('To'), ...m.headers.getAll('Contact'), ...m.headers.getAll('Route')];
  for (const text of addrs) {
    const na = onlyParseErrors(() => parseNameAddr(text));
    if (na) same(parseNameAddr(formatNameAddr(na)), na);
  }
  if (m instanceof SipRequest) {
    const u = onlyParseErrors(() => m.requestUri);
    if (u) same(parseUri(formatUri(u)), u);
  }
  for (const get of [() => m.via, () => m.cseq, () => m.callId, () => m.fromTag, () => m.toTag, () => m.maxForwards, () => m.mediaType, () => checkWellFormed(m)]) onlyParseErrors(get);
  const mt = onlyParseErrors(() => m.mediaType);
  if (mt?.type === 'multipart') onlyParseErrors(() => parseMultipart(m.body, mt));
  if (m instanceof SipRequest) validateRequest(m, ['timer']); // answers, never throws
}

describe('parser properties (seeded fuzz)', () => {
  it('mutated valid messages and random bytes: only SipParseError, and what parses round-trips', () => {
    const rnd = prng(Number(process.env.FUZZ_SEED ?? 0x5eed));
    let parsed = 0;
    const N = Number(process.env.FUZZ_N ?? 5000);
    for (let i = 0; i < N; i++) {
      const input = i % 5 === 4 ? randomBytes(rnd) : mutate(rnd, SEEDS[i % SEEDS.length]!);
      const datagram = rnd() < 0.8;
      const m = onlyParseErrors(() => parseMessage(input, { datagram }));
      if (!m) continue;
      parsed++;
      const wire = serializeMessage(m);
      const again = parseMessage(wire, { datagram: false });
      same(start(again), start(m));
      same(fields(again), fields(m));
      if (!again.body.equals(m.body)) expect(again.body.toString('latin1')).toBe(m.body.toString('latin1'));
      if (!serializeMessage(again).equals(wire)) expect(serializeMessage(again).toString('latin1')).toBe(wire.toString('latin1'));
      checkStructured(m);
    }
    // The mutations must leave enough parseable messages for the round-trip half to mean something.
    if (process.env.FUZZ_N) console.log(`parsed ${parsed} of ${N}`);
    expect(parsed).toBeGreaterThan(N / 4);
  });

  it('every seed itself parses and round-trips', () => {
    for (const seed of SEEDS) {
      const m = onlyParseErrors(() => parseMessage(seed, { datagram: true }));
      if (!m) continue;
      expect(fields(parseMessage(serializeMessage(m)))).toEqual(fields(m));
      checkStructured(m);
    }
  });
});
