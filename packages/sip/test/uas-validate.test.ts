import { describe, expect, it } from 'vitest';
import { answerMalformed } from '../src/malformed.ts';
import { parseMessage, type SipRequest, type SipResponse } from '../src/index.ts';
import { validateRequest } from '../src/uas-validate.ts';
import { FakeTransport } from './support/fake-transport.ts';

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'));
const HEAD = 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: c1\nMax-Forwards: 70\n';
const request = (first: string, extra = '', body = '') =>
  parseMessage(Buffer.concat([crlf(`${first}\n${HEAD}${extra}Content-Length: ${Buffer.byteLength(body)}\n\n`), Buffer.from(body)])) as SipRequest;

describe('validateRequest (RFC 3261 §8.2)', () => {
  it('accepts a plain request', () => {
    expect(validateRequest(request('OPTIONS sip:b@y SIP/2.0', 'CSeq: 1 OPTIONS\n'), [])).toBeNull();
  });

  it('answers 501 with Allow for methods the UAS does not implement, before looking at headers', () => {
    const r = request('PUBLISH sip:b@y SIP/2.0', 'CSeq: 1 INVITE\n');
    expect(validateRequest(r, [], { methods: ['INVITE', 'ACK', 'BYE'] })).toEqual({ status: 501, reason: 'Not Implemented', headers: [['Allow', 'INVITE, ACK, BYE']] });
    expect(validateRequest(r, [])?.status).toBe(400); // without the method list: the CSeq mismatch
  });

  it('checks Require against what is supported, case-insensitively, listing the rest as Unsupported', () => {
    const r = request('OPTIONS sip:b@y SIP/2.0', 'CSeq: 1 OPTIONS\nRequire: Timer, foo\n');
    expect(validateRequest(r, ['timer'])).toEqual({ status: 420, reason: 'Bad Extension', headers: [['Unsupported', 'foo']] });
    expect(validateRequest(request('CANCEL sip:b@y SIP/2.0', 'CSeq: 1 CANCEL\nRequire: foo\n'), [])).toBeNull();
  });

  it('inspects INVITE bodies (§8.2.3): SDP, multipart with an SDP part, encodings, Content-Type', () => {
    const sdp = 'v=0\r\n';
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nContent-Type: Application/SDP\n', sdp), [])).toBeNull();
    const mp = '--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n';
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nContent-Type: multipart/mixed;boundary=b\n', mp), [])).toBeNull();
    const noSdp = mp.replace('application/sdp', 'text/html');
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nContent-Type: multipart/mixed;boundary=b\n', noSdp), [])).toMatchObject({ status: 415, headers: [['Accept', 'application/sdp']] });
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nContent-Type: application/sdp\nContent-Encoding: gzip\n', sdp), [])).toMatchObject({ status: 415, headers: [['Accept-Encoding', 'identity']] });
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\n', sdp), [])).toMatchObject({ status: 400, reason: 'Message body without a Content-Type' });
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nAccept: application/*, text/html\n'), [])).toBeNull();
    expect(validateRequest(request('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nAccept: text/html\n'), [])?.status).toBe(406);
    expect(validateRequest(request('MESSAGE sip:b@y SIP/2.0', 'CSeq: 1 MESSAGE\nContent-Type: text/html\n', '<p>'), [])).toBeNull(); // not a session body
  });

  it('names the fault in a 400: Contact, Max-Forwards, duplicates, Contact * outside REGISTER', () => {
    const reason = (first: string, extra: string) => validateRequest(request(first, extra), [])?.reason;
    expect(reason('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nContact: <sip:c@z\n')).toBe('Bad Contact header: unterminated <URI> (no ">")');
    expect(reason('OPTIONS sip:b@y SIP/2.0', 'CSeq: 1 OPTIONS\nMax-Forwards: 300\n')).toBe('More than one Max-Forwards header');
    expect(reason('INVITE sip:b@y SIP/2.0', 'CSeq: 1 INVITE\nContact: *\n')).toMatch(/^Bad Contact header: .*no scheme/);
    expect(validateRequest(request('REGISTER sip:y SIP/2.0', 'CSeq: 1 REGISTER\nContact: *\nExpires: 0\n'), [])).toBeNull();
  });
});

describe('answerMalformed', () => {
  const from = { address: '192.0.2.9', port: 5099 };
  const answer = (t: FakeTransport) => t.sent.map((s) => s.msg as SipResponse);

  it('answers 513 to an oversized request, with received on the first of comma-joined Vias', async () => {
    const raw = crlf(`MESSAGE sip:b@y SIP/2.0\nVia: SIP/2.0/UDP h1;branch=z9hG4bK1, SIP/2.0/UDP h2;branch=z9hG4bK2\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: big\nCSeq: 2 MESSAGE\nContent-Length: 3000\n\n${'x'.repeat(3000)}`);
    let err: Error | undefined;
    try {
      parseMessage(raw, { datagram: true, maxMessageSize: 1500 });
    } catch (e) {
      err = e as Error;
    }
    const t = new FakeTransport();
    answerMalformed(err!, raw, from, t, 'gwsim-test');
    await Promise.resolve();
    const [res] = answer(t);
    expect([res!.status, res!.reason]).toEqual([513, `Message of ${raw.length} bytes exceeds the 1500-byte limit`]);
    expect(res!.headers.getAll('Via')).toEqual(['SIP/2.0/UDP h1;branch=z9hG4bK1;received=192.0.2.9', 'SIP/2.0/UDP h2;branch=z9hG4bK2']);
    expect(res!.headers.get('CSeq')).toBe('2 MESSAGE');
    expect(t.sent[0]!.to).toEqual(from);
  });

  it('stays silent for responses, ACKs and bytes without the headers a response needs', async () => {
    const t = new FakeTransport();
    const err = new Error('x');
    answerMalformed(err, crlf('SIP/2.0 200 OK\nVia: SIP/2.0/UDP h\nFrom: a\nTo: b\nCall-ID: c\nCSeq: 1 X\n\n'), from, t, 'p');
    answerMalformed(err, crlf('ACK sip:b@y SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: a\nTo: b\nCall-ID: c\nCSeq: 1 ACK\n\n'), from, t, 'p');
    answerMalformed(err, crlf('OPTIONS sip:b@y SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: a\n\n'), from, t, 'p');
    answerMalformed(err, Buffer.from([0xff, 0x00, 0x41]), from, t, 'p');
    await Promise.resolve();
    expect(t.sent).toEqual([]);
  });

  it('diagnoses a parsed request the transaction layer could not match: 505 before a broken Via', async () => {
    const req = parseMessage(crlf('OPTIONS sip:b@y SIP/7.0\nVia: SIP/7.0/UDP h;;\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: v7\nCSeq: 1 OPTIONS\n\n')) as SipRequest;
    const t = new FakeTransport();
    answerMalformed(new Error('unmatchable'), null, from, t, 'p', req);
    const viaOnly = parseMessage(crlf('OPTIONS sip:b@y SIP/2.0\nVia: SIP/2.0/UDP h;;\nFrom: "Zoë" <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: v2\nCSeq: 1 OPTIONS\n\n')) as SipRequest;
    answerMalformed(new Error('unmatchable'), null, from, t, 'p', viaOnly);
    await Promise.resolve();
    expect(answer(t).map((r) => [r.status, r.reason])).toEqual([[505, 'Version Not Supported'], [400, 'Bad Via "SIP/2.0/UDP h;;": empty parameter (";" not followed by a name)']]);
    expect(answer(t)[1]!.from.displayName).toBe('Zoë');
  });
});
