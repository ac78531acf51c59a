import { describe, expect, it } from 'vitest';
import { parseMessage, parseNameAddr, parseUri, serializeMessage, SipParseError, SipRequest, SipResponse } from '../src/index.ts';

const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'));

const INVITE = crlf(`INVITE sip:1234567890123@vc.example.com SIP/2.0
v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKx
Via: SIP/2.0/TCP proxy.example.com:5070
  ;branch=z9hG4bKfolded
Max-Forwards: 70
To: <sip:1234567890123@vc.example.com>
f: "Room 4 \\"East\\"" <sip:room4@example.com>;tag=1928301774
i: a84b4c76e66710@10.0.0.1
CSeq: 314159 INVITE
m: <sip:room4@10.0.0.1:5060>
X-Custom-Thing: kept, verbatim ; really
c: application/sdp
l: 4

v=0
trailing-garbage-beyond-content-length`);

describe('parseMessage', () => {
  it('parses a request with compact forms, folding, comma-joined Vias and a Content-Length-bounded body', () => {
    const m = parseMessage(INVITE, { datagram: true }) as SipRequest;
    expect(m).toBeInstanceOf(SipRequest);
    expect(m.method).toBe('INVITE');
    expect(m.requestUri.user).toBe('1234567890123');
    expect(m.requestUri.host).toBe('vc.example.com');
    expect(m.vias.map((v) => v.branch)).toEqual(['z9hG4bK776asdhds', 'z9hG4bKx', 'z9hG4bKfolded']);
    expect(m.via.params.has('rport')).toBe(true);
    expect(m.vias[2]!.host).toBe('proxy.example.com');
    expect(m.vias[2]!.port).toBe(5070);
    expect(m.from.displayName).toBe('Room 4 "East"');
    expect(m.fromTag).toBe('1928301774');
    expect(m.toTag).toBeNull();
    expect(m.callId).toBe('a84b4c76e66710@10.0.0.1');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.headers.get('x-custom-thing')).toBe('kept, verbatim ; really');
    expect(m.contentType).toBe('application/sdp');
    expect(m.body.toString()).toBe('v=0\r');
  });

  it('serializes and re-parses to the same message', () => {
    const m = parseMessage(INVITE, { datagram: true }) as SipRequest;
    const again = parseMessage(serializeMessage(m), { datagram: false }) as SipRequest;
    expect(again.method).toBe(m.method);
    expect(again.uri).toBe(m.uri);
    expect(again.headers.fields).toEqual(m.headers.fields.filter((f) => f.name !== 'Content-Length').concat([{ name: 'Content-Length', value: '4' }]));
    expect(again.body.equals(m.body)).toBe(true);
  });

  it('parses a response', () => {
    const r = parseMessage(crlf('SIP/2.0 404 Neither conference nor gateway found\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\nCSeq: 1 INVITE\nContent-Length: 0\n\n')) as SipResponse;
    expect(r).toBeInstanceOf(SipResponse);
    expect(r.status).toBe(404);
    expect(r.reason).toBe('Neither conference nor gateway found');
  });

  it.each([
    ['an empty buffer', '', /empty message/],
    ['a bad request line', 'INVITE sip:a@b\n\n', /bad request line/],
    ['a header without a colon', 'OPTIONS sip:a@b SIP/2.0\nVia SIP/2.0/UDP x\n\n', /without a name and colon/],
    ['a Content-Length larger than the body', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 50\n\nabc', /Content-Length 50 exceeds the 3 body bytes/],
    ['two Content-Length headers', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 0\nl: 0\n\n', /more than one Content-Length/],
    ['a status code out of range', 'SIP/2.0 999 Big\n\n', /out of range/],
    ['a non-numeric Content-Length', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 1x\n\n', /bad Content-Length/],
  ])('rejects %s with a SipParseError naming the fault', (_what, text, re) => {
    let caught: unknown;
    try {
      parseMessage(crlf(text), { datagram: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SipParseError);
    expect((caught as SipParseError).message).toMatch(re);
  });

  it('fails lazily but specifically on broken structured headers', () => {
    const m = parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nCSeq: x OPTIONS\nVia: junk\n\n'), { datagram: true }) as SipRequest;
    expect(() => m.cseq).toThrow(/bad CSeq/);
    expect(() => m.via).toThrow(/bad Via/);
    expect(() => m.callId).toThrow(/missing Call-ID/);
  });
});

describe('URIs and addresses', () => {
  it('parses sip URIs with escapes, password, port, params and headers', () => {
    const u = parseUri('sips:al%69ce:pw@[2001:db8::1]:5061;transport=tcp;lr?subject=hi%20there');
    expect(u).toMatchObject({ scheme: 'sips', user: 'alice', password: 'pw', host: '[2001:db8::1]', port: 5061 });
    expect(u.params.get('transport')).toBe('tcp');
    expect(u.params.get('lr')).toBeNull();
    expect(u.headers.get('subject')).toBe('hi there');
  });

  it('parses tel URIs and keeps unknown schemes opaque', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com').user).toBe('+1-201-555-0123');
    expect(parseUri('http://example.com/x').scheme).toBe('absolute');
  });

  it('separates URI parameters from header parameters in name-addr and addr-spec', () => {
    const na = parseNameAddr('<sip:bob@b.example;transport=udp>;tag=abc;expires=60');
    expect(na.uri.params.get('transport')).toBe('udp');
    expect(na.params.get('tag')).toBe('abc');
    const spec = parseNameAddr('sip:bob@b.example;tag=abc');
    expect(spec.uri.params.size).toBe(0);
    expect(spec.params.get('tag')).toBe('abc');
  });

  it('rejects bad ports and hosts', () => {
    expect(() => parseUri('sip:a@b.example:99999')).toThrow(SipParseError);
    expect(() => parseUri('sip:a@b_example!')).toThrow(SipParseError);
    expect(() => parseUri('nocolon')).toThrow(/no scheme/);
  });
});

describe('fuzz: parser never throws anything but SipParseError', () => {
  it('survives random mutations of a valid message', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(INVITE);
      const n = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < n; k++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
      try {
        const m = parseMessage(buf.subarray(0, Math.floor(rnd() * buf.length) + 1), { datagram: true });
        for (const get of [() => m.via, () => m.cseq, () => m.from, () => m.to, () => m.callId]) {
          try {
            get();
          } catch (err) {
            expect(err).toBeInstanceOf(SipParseError);
          }
        }
      } catch (err) {
        expect(err).toBeInstanceOf(SipParseError);
      }
    }
  });
});
