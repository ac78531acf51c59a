import { describe, expect, it } from 'vitest';
import { Headers, parseMessage, serializeMessage, SipParseError, SipRequest, SipResponse, type ParseOptions } from '../src/index.ts';

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

function parseError(text: string | Buffer, options: ParseOptions = { datagram: true }): SipParseError {
  try {
    parseMessage(typeof text === 'string' ? crlf(text) : text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(SipParseError);
    return err as SipParseError;
  }
  throw new Error('expected a SipParseError');
}

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
    expect(m.maxForwards).toBe(70);
    expect(m.headers.get('x-custom-thing')).toBe('kept, verbatim ; really');
    expect(m.contentType).toBe('application/sdp');
    expect(m.body.toString()).toBe('v=0\r');
  });

  it('expands every compact form and matches names case-insensitively', () => {
    const compact = 'a:1\nb:<sip:b@x>\nc:text/plain\nd:proxy\ne:gzip\nf:<sip:f@x>\ni:id\nj:*;audio\nk:timer\nl:0\nm:<sip:m@x>\nn:<http://x>\no:presence\nr:<sip:r@x>\ns:hi\nt:<sip:t@x>\nu:talk\nv:SIP/2.0/UDP x\nx:90\ny:abc\n';
    const m = parseMessage(crlf(`OPTIONS sip:a@b SIP/2.0\n${compact}\n`));
    expect(m.headers.fields.map((f) => f.name)).toEqual([
      'Accept-Contact', 'Referred-By', 'Content-Type', 'Request-Disposition', 'Content-Encoding', 'From', 'Call-ID', 'Reject-Contact',
      'Supported', 'Content-Length', 'Contact', 'Identity-Info', 'Event', 'Refer-To', 'Subject', 'To', 'Allow-Events', 'Via',
      'Session-Expires', 'Identity',
    ]);
    const upper = parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nVIA: SIP/2.0/UDP a\nV: SIP/2.0/UDP b\nvia: SIP/2.0/UDP c\nCALL-id: x\nCseq: 1 OPTIONS\n\n'));
    expect(upper.headers.fields.map((f) => f.name)).toEqual(['Via', 'Via', 'Via', 'Call-ID', 'CSeq']);
    expect(upper.vias.map((v) => v.host)).toEqual(['a', 'b', 'c']);
    expect(upper.headers.get('call-ID')).toBe('x');
  });

  it('keeps unknown headers verbatim, including names that differ only in case', () => {
    const m = parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nX-Foo: one\nx-foo: two , three\nX-FOO:\nP-Weird.Name!: ;;,,;\n\n'));
    expect(m.headers.fields).toEqual([
      { name: 'X-Foo', value: 'one' },
      { name: 'x-foo', value: 'two , three' },
      { name: 'X-FOO', value: '' },
      { name: 'P-Weird.Name!', value: ';;,,;' },
    ]);
    expect(m.headers.getAll('x-FOO')).toEqual(['one', 'two , three', '']); // not a list header: not split
    expect(m.headers.count('X-Foo')).toBe(3);
    expect(serializeMessage(m).toString()).toContain('\r\nx-foo: two , three\r\nX-FOO: \r\nP-Weird.Name!: ;;,,;\r\n');
  });

  it('unfolds continuation lines (SP or HT) into one space, and splits list headers however they were written', () => {
    const m = parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nSubject: one\n\t two\n   three\nRoute: <sip:a>,\n <sip:b>\nRoute: <sip:c;lr>, <sip:d>\nDate: Sat, 13 Nov 2010 23:29:00 GMT\n\n'));
    expect(m.headers.get('Subject')).toBe('one two three');
    expect(m.headers.getAll('Route')).toEqual(['<sip:a>', '<sip:b>', '<sip:c;lr>', '<sip:d>']);
    expect(m.headers.getAll('Date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']); // commas inside a single value
  });

  it('frames binary bodies by Content-Length, octet-exact', () => {
    const body = Buffer.from([0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x0a, 0x00]);
    const raw = Buffer.concat([crlf('MESSAGE sip:a@b SIP/2.0\nContent-Type: application/octet-stream\nContent-Length: 8\n\n'), body, Buffer.from('extra')]);
    const m = parseMessage(raw, { datagram: true });
    expect(m.body.equals(body)).toBe(true);
    const again = parseMessage(serializeMessage(m), { datagram: false });
    expect(again.body.equals(body)).toBe(true);
  });

  it('takes the rest of a datagram as the body when Content-Length is missing, but not on a stream', () => {
    const raw = crlf('INVITE sip:a@b SIP/2.0\nContent-Type: application/sdp\n\nv=0\n');
    expect(parseMessage(raw, { datagram: true }).body.toString()).toBe('v=0\r\n');
    expect(parseError(raw, { datagram: false }).message).toMatch(/missing Content-Length on a stream/);
  });

  it('handles bare LF line ends, LF headers with a CRLF body, and an LF-CRLF empty line', () => {
    const lf = Buffer.from('OPTIONS sip:a@b SIP/2.0\nCall-ID: x\nContent-Length: 5\n\nab\r\nc');
    expect(parseMessage(lf).body.toString()).toBe('ab\r\nc');
    const mixed = Buffer.from('OPTIONS sip:a@b SIP/2.0\nCall-ID: x\nContent-Length: 6\n\r\nv=0\r\n\r\n');
    const m = parseMessage(mixed);
    expect(m.headers.get('Content-Length')).toBe('6');
    expect(m.body.toString()).toBe('v=0\r\n\r');
    const early = Buffer.from('OPTIONS sip:a@b SIP/2.0\nCall-ID: x\nl: 4\n\nab\r\n\r\n');
    expect(parseMessage(early).body.toString()).toBe('ab\r\n');
  });

  it('skips leading CRLFs (§7.5) and reads UTF-8 in display names and reason phrases', () => {
    const m = parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), crlf('SIP/2.0 486 Occupé — 忙しい\nFrom: "Zoë 佐藤" <sip:z@x>;tag=1\n\n')])) as SipResponse;
    expect(m.reason).toBe('Occupé — 忙しい');
    expect(m.from.displayName).toBe('Zoë 佐藤');
    expect(serializeMessage(m).toString('utf8')).toContain('SIP/2.0 486 Occupé — 忙しい\r\nFrom: "Zoë 佐藤" <sip:z@x>;tag=1\r\n');
  });

  it('parses responses: three-digit codes in 100-699, empty reason, version case-insensitive', () => {
    const r = parseMessage(crlf('sip/2.0 404 Neither conference nor gateway found\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1\nCSeq: 1 INVITE\nContent-Length: 0\n\n')) as SipResponse;
    expect([r.version, r.status, r.reason]).toEqual(['SIP/2.0', 404, 'Neither conference nor gateway found']);
    expect((parseMessage(crlf('SIP/2.0 100\n\n')) as SipResponse).reason).toBe('');
    expect(parseError('SIP/2.0 999 Big\n\n').message).toMatch(/status code 999 out of range 100-699/);
    expect(parseError('SIP/2.0 20 OK\n\n').message).toMatch(/not three digits/);
    expect(parseError('SIP/2.0 2x0 OK\n\n').message).toMatch(/bad status code "2x0"/);
  });

  it('answers an oversized message with status 513', () => {
    const big = crlf(`MESSAGE sip:a@b SIP/2.0\nContent-Length: 2000\n\n${'x'.repeat(2000)}`);
    const err = parseError(big, { datagram: true, maxMessageSize: 1300 });
    expect([err.status, err.message]).toEqual([513, `message of ${big.length} bytes exceeds the 1300-byte limit`]);
    expect(parseMessage(big, { datagram: true, maxMessageSize: 4096 }).body.length).toBe(2000);
  });

  it.each([
    ['an empty buffer', '', /empty message/],
    ['only line ends', '\n\n\n', /empty message/],
    ['a request line without a version', 'INVITE sip:a@b\n\n', /bad Request-Line/],
    ['a method with a non-token character', 'INV(TE sip:a@b SIP/2.0\n\n', /bad method "INV\(TE"/],
    ['a bad version', 'INVITE sip:a@b HTTP/1.1\n\n', /bad SIP-Version "HTTP\/1.1"/],
    ['a tab in the request line', 'INVITE\tsip:a@b SIP/2.0\n\n', /tab character/],
    ['a header without a colon', 'OPTIONS sip:a@b SIP/2.0\nVia SIP/2.0/UDP x\n\n', /without a colon/],
    ['a header name with a space', 'OPTIONS sip:a@b SIP/2.0\nMax Forwards: 70\n\n', /bad header name "Max Forwards"/],
    ['an empty header name', 'OPTIONS sip:a@b SIP/2.0\n: x\n\n', /without a name/],
    ['folding right after the start line', 'OPTIONS sip:a@b SIP/2.0\n continued\n\n', /line folding after the start line/],
    ['a bare CR inside a header', 'OPTIONS sip:a@b SIP/2.0\nX-A: one\rX-B: two\n\n', /bare CR inside header line/],
    ['a Content-Length larger than the body', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 50\n\nabc', /Content-Length 50 exceeds the 3 body bytes/],
    ['two equal Content-Length headers', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 0\nl: 0\n\n', /more than one Content-Length/],
    ['a non-numeric Content-Length', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 1x\n\n', /bad Content-Length "1x"/],
    ['an absurd Content-Length', 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 99999999999999999999\n\n', /Content-Length 99999999999999999999 is too large/],
  ])('rejects %s with a SipParseError naming the fault', (_what, text, re) => {
    expect(parseError(text).message).toMatch(re);
  });

  it('is lazy: broken structured headers fail on access, specifically', () => {
    const m = parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nCSeq: x OPTIONS\nVia: junk\nTo: "unterminated <sip:a@b>\nMax-Forwards: 256\n\n')) as SipRequest;
    expect(() => m.cseq).toThrow(/bad CSeq "x OPTIONS"/);
    expect(() => m.via).toThrow(/bad Via "junk"/);
    expect(() => m.callId).toThrow(/missing Call-ID header/);
    expect(() => m.to).toThrow(/bad To header: unterminated quoted string/);
    expect(() => m.maxForwards).toThrow(/Max-Forwards 256 exceeds 255/);
    expect(m.requestUri.host).toBe('b');
  });
});

describe('serializeMessage', () => {
  it('serializes and re-parses to the same message, Content-Length in place', () => {
    const m = parseMessage(INVITE, { datagram: true }) as SipRequest;
    const again = parseMessage(serializeMessage(m), { datagram: false }) as SipRequest;
    expect(again.method).toBe(m.method);
    expect(again.uri).toBe(m.uri);
    expect(again.headers.fields).toEqual(m.headers.fields.map((f) => (f.name === 'Content-Length' ? { ...f, value: '4' } : f)));
    expect(again.body.equals(m.body)).toBe(true);
  });

  it('states the real body length once, appending Content-Length when missing', () => {
    const req = new SipRequest({ method: 'MESSAGE', uri: 'sip:a@b', headers: new Headers([{ name: 'Content-Length', value: '99' }, { name: 'Subject', value: 'x' }]), body: Buffer.from('hello') });
    expect(serializeMessage(req).toString()).toBe('MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5\r\nSubject: x\r\n\r\nhello');
    const res = new SipResponse({ status: 200, reason: 'OK', headers: new Headers([{ name: 'Call-ID', value: 'x' }]) });
    expect(serializeMessage(res).toString()).toBe('SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');
  });

  it('never lets a header value or reason phrase inject a header line', () => {
    const res = new SipResponse({ status: 400, reason: 'Bad\r\nX-Evil: 1', headers: new Headers([{ name: 'Subject', value: 'a\r\nX-Evil: 2' }]) });
    const text = serializeMessage(res).toString();
    expect(text).toBe('SIP/2.0 400 Bad X-Evil: 1\r\nSubject: a X-Evil: 2\r\nContent-Length: 0\r\n\r\n');
    expect(parseMessage(serializeMessage(res)).headers.count('X-Evil')).toBe(0);
  });
});
