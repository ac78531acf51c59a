import { describe, expect, it } from 'vitest';
import { formatMultipart, Headers, parseMultipart, SipParseError } from '../src/index.ts';

describe('parseMultipart (RFC 2046 §5.1)', () => {
  it('splits parts by the boundary, ignoring preamble and epilogue, keeping part headers', () => {
    const body = Buffer.from(
      'preamble\r\n--b1\r\nContent-Type: application/sdp\r\nContent-Disposition: session\r\n\r\nv=0\r\n\r\n--b1  \r\nContent-Type: application/pidf+xml\r\nContent-ID: <x@y>\r\n\r\n<presence/>\r\n--b1--\r\nepilogue',
    );
    const parts = parseMultipart(body, 'multipart/mixed;boundary=b1');
    expect(parts).toHaveLength(2);
    expect(parts[0]!.mediaType).toMatchObject({ type: 'application', subtype: 'sdp' });
    expect(parts[0]!.headers.get('Content-Disposition')).toBe('session');
    expect(parts[0]!.body.toString()).toBe('v=0\r\n'); // the CRLF before the delimiter belongs to it
    expect(parts[1]!.headers.get('Content-ID')).toBe('<x@y>');
    expect(parts[1]!.body.toString()).toBe('<presence/>');
  });

  it('keeps binary content octet-exact and ignores the boundary string when not at a line start', () => {
    const bin = Buffer.from([0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0x71, 0x0a, 0xff]); // contains "\n--q" but q is not the boundary
    const body = Buffer.concat([Buffer.from('--qq\r\nContent-Type: application/octet-stream\r\n\r\n'), bin, Buffer.from('x--qq\r\n--qq--\r\n')]);
    const [part] = parseMultipart(body, 'multipart/mixed; boundary="qq"');
    expect(part!.body.equals(Buffer.concat([bin, Buffer.from('x--qq')]))).toBe(true);
  });

  it('accepts parts without headers, empty parts and bare LF line ends', () => {
    const parts = parseMultipart(Buffer.from('--z\n\nno headers\n--z\n--z\nContent-Type: text/plain\n\nlf\n--z--'), 'multipart/alternative;boundary=z');
    expect(parts.map((p) => [p.mediaType?.subtype ?? null, p.body.toString()])).toEqual([[null, 'no headers'], [null, ''], ['plain', 'lf']]);
  });

  it('round-trips what formatMultipart builds', () => {
    const body = formatMultipart([
      { headers: [['Content-Type', 'application/sdp']], body: 'v=0\r\n' },
      { headers: new Headers([{ name: 'Content-Type', value: 'application/octet-stream' }]), body: Buffer.from([0, 13, 10, 255]) },
    ], 'gwsim-1');
    const parts = parseMultipart(body, 'multipart/mixed;boundary=gwsim-1');
    expect(parts.map((p) => p.body.toString('latin1'))).toEqual(['v=0\r\n', '\x00\r\n\xff']);
  });

  it.each([
    ['text/plain', 'x', /is not multipart/],
    ['multipart/mixed', '--a\r\n\r\nx\r\n--a--', /without a boundary parameter/],
    ['multipart/mixed;boundary=a', 'no delimiter here', /has no "--a" delimiter/],
    ['multipart/mixed;boundary=a', '--a\r\n\r\nunclosed', /not closed by "--a--"/],
    ['multipart/mixed;boundary=a', '--aX\r\n', /not followed by a line end/],
  ])('rejects %s %j', (ct, text, re) => {
    expect(() => parseMultipart(Buffer.from(text), ct)).toThrow(SipParseError);
    expect(() => parseMultipart(Buffer.from(text), ct)).toThrow(re);
  });
});
