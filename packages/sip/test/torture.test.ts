/**
 * RFC 4475 (SIP torture messages) and RFC 5118 (IPv6 torture messages): every file of
 * ../shared/conformance/sip-torture, one test each, handled as its index.json entry says. Each test
 * (1) parses the bytes and checks the fields the RFC names, or the specific fault a strict reader names,
 * (2) re-serializes what parses and checks it re-parses equal, and (3) sends the bytes over UDP from
 * 127.0.20.2 to a real UserAgent on 127.0.20.1 (with the package's Registrar for REGISTER, and an
 * application that declines INVITEs with 603) and checks the answer — or that none comes.
 */
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkWellFormed, parseMessage, Registrar, serializeMessage, SipParseError, SipRequest, UdpTransport, UserAgent, type SipMessage, type SipResponse } from '../src/index.ts';
import { validateRequest } from '../src/uas-validate.ts';
import { CASES, type TortureCase } from './support/torture-cases.ts';

const CORPUS = fileURLToPath(new URL('../../../../shared/conformance/sip-torture/', import.meta.url));
const present = existsSync(`${CORPUS}index.json`);

interface IndexEntry {
  file: string;
  section: string;
  name: string;
  rfc: string;
  title: string;
  expect: 'valid' | 'invalid' | 'valid-but-semantically-bad';
  expected_behavior: string;
  archive_exact_file?: string;
}

const index: IndexEntry[] = present ? JSON.parse(readFileSync(`${CORPUS}index.json`, 'utf8')) : [];

it('finds the torture corpus (RFC 4475 + RFC 5118, 61 files) at ../shared/conformance/sip-torture', () => {
  if (!present) throw new Error(`SIP torture corpus missing: expected ${CORPUS}index.json next to the repository (see PROVENANCE.md there and issue 3)`);
  expect(index).toHaveLength(61);
  expect(Object.keys(CASES).sort()).toEqual(index.map((e) => e.file).sort());
});

/** The first fault a strict reader finds: parse error, then any malformed header, then a UAS rejection. */
function strictFault(raw: Buffer): { error: unknown } | { message: SipMessage } {
  let msg: SipMessage;
  try {
    msg = parseMessage(raw, { datagram: true });
    checkWellFormed(msg);
  } catch (error) {
    return { error };
  }
  if (msg instanceof SipRequest) {
    const rejection = validateRequest(msg, []);
    if (rejection) return { error: new SipParseError(rejection.reason, rejection.status) };
  }
  return { message: msg };
}

/** serialize → parse gives the same start line, header fields and body (Content-Length restated). */
function expectRoundTrip(m: SipMessage): void {
  const again = parseMessage(serializeMessage(m), { datagram: false });
  const start = (x: SipMessage) => (x instanceof SipRequest ? `${x.method} ${x.uri} ${x.version}` : `${x.version} ${x.status} ${x.reason}`);
  const fields = (x: SipMessage) => x.headers.fields.filter((f) => f.name !== 'Content-Length');
  expect(start(again)).toBe(start(m));
  expect(fields(again)).toEqual(fields(m));
  expect(again.body.equals(m.body)).toBe(true);
  expect(again.headers.get('Content-Length')).toBe(String(m.body.length));
}

// ---- the UAS side: a real UserAgent and raw sockets ----------------------------------------------------

const PEER = '127.0.20.2';
/** Where responses can go: the sending port (rport, answers to unparsable requests) and top-Via ports. */
const PORTS = [5060, 5061, 5050, 6050, 19823];
const sockets: dgram.Socket[] = [];
const inbox: Array<{ from: number; res: SipResponse }> = [];
let ua: UserAgent;
let probes = 0;

beforeAll(async () => {
  for (const port of PORTS) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, PEER, () => resolve());
    });
    s.on('message', (b, rinfo) => {
      try {
        inbox.push({ from: rinfo.port, res: parseMessage(b, { datagram: true }) as SipResponse });
      } catch {
        // not our concern here
      }
    });
    sockets.push(s);
  }
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
});
beforeEach(async () => {
  // A fresh UA per file: the RFC 5118 messages share Call-IDs and branches and would match each other.
  const registrar = new Registrar();
  ua = new UserAgent({
    transport: await UdpTransport.create({ address: '127.0.20.1' }),
    middleware: [registrar.middleware()],
    onInvite: (inv) => inv.reject(603, 'Decline'),
  });
  inbox.length = 0;
});
afterEach(async () => {
  await ua.close();
});

function send(raw: Buffer): void {
  sockets[0]!.send(raw, ua.transport.local.port, ua.transport.local.address);
}

/** Call-ID (else CSeq) of the raw message: how its answers are told apart. */
function keyOf(raw: Buffer): { header: string; value: string } {
  const text = raw.toString('latin1');
  const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)\r?$/im.exec(text);
  if (callId) return { header: 'Call-ID', value: callId[1]!.trim() };
  return { header: 'CSeq', value: /^CSeq[ \t]*:[ \t]*(.*?)\r?$/im.exec(text)![1]!.trim() };
}

function answersTo(key: { header: string; value: string }): SipResponse[] {
  return inbox.filter((r) => r.from === ua.transport.local.port && r.res.headers.get(key.header)?.trim() === key.value).map((r) => r.res);
}

async function finalAnswer(key: { header: string; value: string }): Promise<SipResponse> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const final = answersTo(key).find((r) => r.status >= 200);
    if (final) return final;
    if (Date.now() > deadline) throw new Error(`no final answer with ${key.header} ${key.value}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Silence is shown by a probe sent after the message being answered while the message was not. */
async function expectSilence(keys: Array<{ header: string; value: string }>): Promise<void> {
  const callId = `probe-${++probes}@${PEER}`;
  send(Buffer.from(`OPTIONS sip:probe@127.0.20.1 SIP/2.0\r\nVia: SIP/2.0/UDP ${PEER}:5060;branch=z9hG4bKprobe${probes};rport\r\nMax-Forwards: 70\r\nFrom: <sip:probe@${PEER}>;tag=p${probes}\r\nTo: <sip:probe@127.0.20.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`));
  expect((await finalAnswer({ header: 'Call-ID', value: callId })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 50));
  for (const key of keys) expect(answersTo(key), `an answer to ${key.value}`).toEqual([]);
}

async function expectAnswer(c: TortureCase, raw: Buffer): Promise<void> {
  const key = keyOf(raw);
  send(raw);
  if (c.answer === null) return expectSilence([key]);
  const res = await finalAnswer(key);
  const statuses = Array.isArray(c.answer.status) ? c.answer.status : [c.answer.status];
  expect(statuses, `answered ${res.status} ${res.reason}`).toContain(res.status);
  if (c.answer.reason) expect(res.reason).toMatch(c.answer.reason);
  for (const [name, want] of Object.entries(c.answer.headers ?? {})) {
    const got = res.headers.getAll(name);
    if (want instanceof RegExp) expect(got.join(', ')).toMatch(want);
    else expect(got).toEqual(want);
  }
  if (c.silent) await expectSilence(c.silent.map((value) => ({ header: 'Call-ID', value })));
}

// ---- one test per file --------------------------------------------------------------------------------

describe.runIf(present)('SIP torture corpus', () => {
  const cases = index.map((e) => [`${e.file} — RFC ${e.rfc} §${e.section} ${e.title} (${e.expect})`, e] as const);
  it.each(cases)('%s', async (_name, entry) => {
    const c = CASES[entry.file];
    if (!c) throw new Error(`no expectation written for ${entry.file}: ${entry.expected_behavior}`);
    const raw = readFileSync(`${CORPUS}${entry.file}`);
    if (entry.expect === 'invalid') expect(c.fault, 'an invalid message needs the fault it is rejected for').toBeDefined();
    if (entry.expect === 'valid') expect(c.fields, 'a valid message needs the fields the RFC names').toBeDefined();

    // (1) parse: the named fault, or the named fields.
    const strict = strictFault(raw);
    if (c.fault) {
      expect('error' in strict, 'a strict reader must reject it').toBe(true);
      const { error } = strict as { error: unknown };
      expect(error).toBeInstanceOf(SipParseError);
      expect((error as SipParseError).message).toMatch(c.fault);
    }
    if (c.fields) {
      const msg = parseMessage(raw, c.options ?? { datagram: true });
      c.fields(msg);
      if (entry.expect === 'valid' && !c.options) checkWellFormed(msg);
      // (2) what parses re-serializes and re-parses equal
      expectRoundTrip(msg);
      if (entry.archive_exact_file) {
        // RFC 5118's archive as published (bare LF line ends, wrong Content-Length values kept).
        const exact = parseMessage(readFileSync(`${CORPUS}${entry.archive_exact_file}`), { datagram: true, shortBody: 'accept' });
        c.fields(exact);
      }
    }

    // (3) the UAS answer
    await expectAnswer(c, raw);
  });
});
