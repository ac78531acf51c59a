import { describe, expect, it } from 'vitest';
import { parseMessage, SipParseError, StreamFramer, type SipRequest } from '../src/index.ts';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.21.1\r\ns=-\r\nc=IN IP4 127.0.21.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

function invite(body = SDP, callId = 'a84b4c76e66710@127.0.21.1'): string {
  return [
    'INVITE sip:1234567890123@127.0.21.2 SIP/2.0',
    'Via: SIP/2.0/TCP 127.0.21.1:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: <sip:1234567890123@127.0.21.2>',
    'From: <sip:room@example.com>;tag=1928301774',
    `Call-ID: ${callId}`,
    'CSeq: 314159 INVITE',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function collect(maxMessageSize?: number) {
  const out = { frames: [] as Buffer[], pings: 0, errors: [] as Array<{ error: SipParseError; head: Buffer }> };
  const framer = new StreamFramer(
    { message: (f) => out.frames.push(f), ping: () => out.pings++, error: (error, head) => out.errors.push({ error, head }) },
    { maxMessageSize },
  );
  return { framer, out };
}

describe('StreamFramer (RFC 3261 §18.3 framing by Content-Length)', () => {
  it('frames a message fed one byte at a time, body included, and the frame parses', () => {
    const { framer, out } = collect();
    const wire = Buffer.from(invite());
    for (let i = 0; i < wire.length; i++) {
      framer.push(wire.subarray(i, i + 1));
      if (i < wire.length - 1) expect(out.frames).toHaveLength(0);
    }
    expect(out.frames).toHaveLength(1);
    expect(out.frames[0]!.equals(wire)).toBe(true);
    const msg = parseMessage(out.frames[0]!, { datagram: false }) as SipRequest;
    expect(msg.method).toBe('INVITE');
    expect(msg.body.toString()).toBe(SDP);
    expect(framer.buffered).toBe(0);
  });

  it('splits three coalesced messages in one chunk, in order', () => {
    const { framer, out } = collect();
    const msgs = [invite(SDP, 'one@x'), invite('', 'two@x'), invite('v=0\r\n', 'three@x')];
    framer.push(Buffer.from(msgs.join('')));
    expect(out.frames.map((f) => f.toString())).toEqual(msgs);
  });

  it('handles a body split across chunks and a next message starting in the same chunk', () => {
    const { framer, out } = collect();
    const a = invite(SDP, 'a@x');
    const b = invite(SDP, 'b@x');
    const wire = Buffer.from(a + b);
    const cut1 = a.length - 20; // inside a's body
    const cut2 = a.length + 30; // inside b's start line/headers
    framer.push(wire.subarray(0, cut1));
    expect(out.frames).toHaveLength(0);
    framer.push(wire.subarray(cut1, cut2));
    expect(out.frames.map((f) => f.toString())).toEqual([a]);
    framer.push(wire.subarray(cut2));
    expect(out.frames.map((f) => f.toString())).toEqual([a, b]);
  });

  it('a header section split exactly inside its CRLFCRLF still frames once', () => {
    const { framer, out } = collect();
    const m = invite('');
    const end = m.indexOf('\r\n\r\n');
    framer.push(Buffer.from(m.slice(0, end + 1)));
    framer.push(Buffer.from(m.slice(end + 1, end + 3)));
    framer.push(Buffer.from(m.slice(end + 3)));
    expect(out.frames.map((f) => f.toString())).toEqual([m]);
  });

  it('answers a CRLFCRLF keep-alive ping (RFC 5626 §4.4.1), also when it arrives byte by byte, and ignores CRLF pongs', () => {
    const { framer, out } = collect();
    framer.push(Buffer.from('\r\n\r\n'));
    expect(out.pings).toBe(1);
    for (const b of '\r\n\r\n') framer.push(Buffer.from(b));
    expect(out.pings).toBe(2);
    framer.push(Buffer.from('\r\n')); // a pong, or a §7.5 leading CRLF
    framer.push(Buffer.from(invite('')));
    expect(out.pings).toBe(2);
    expect(out.frames).toHaveLength(1);
    framer.push(Buffer.from(`\r\n\r\n${invite('', 'x@y')}\r\n\r\n`));
    expect(out.pings).toBe(4);
    expect(out.frames).toHaveLength(2);
    expect(out.errors).toHaveLength(0);
  });

  it('a message larger than maxMessageSize fails the stream with 513 and hands over its header section', () => {
    const { framer, out } = collect(1024);
    const big = invite('x'.repeat(2000));
    framer.push(Buffer.from(big.slice(0, 600)));
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]!.error.status).toBe(513);
    expect(out.errors[0]!.head.toString()).toContain('Call-ID: a84b4c76e66710@127.0.21.1');
    framer.push(Buffer.from(big.slice(600)));
    expect(out.frames).toHaveLength(0);
    expect(framer.failed).toBe(true);
  });

  it('a header section that never ends within maxMessageSize fails the stream', () => {
    const { framer, out } = collect(1024);
    framer.push(Buffer.from('INVITE sip:x@y SIP/2.0\r\n'));
    for (let i = 0; i < 60; i++) framer.push(Buffer.from(`X-Filler-${i}: ${'y'.repeat(20)}\r\n`));
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]!.error.status).toBe(513);
    expect(out.errors[0]!.error.message).toContain('header section exceeds 1024 bytes');
  });

  it('binary garbage fails the stream at once', () => {
    const { framer, out } = collect();
    framer.push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])); // a TLS ClientHello on a TCP port
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]!.error).toBeInstanceOf(SipParseError);
    expect(out.errors[0]!.error.message).toContain('0x16');
  });

  it('an unusable or conflicting Content-Length fails the stream', () => {
    for (const cl of ['Content-Length: abc', 'Content-Length: 5\r\nl: 7']) {
      const { framer, out } = collect();
      framer.push(Buffer.from(`OPTIONS sip:x@y SIP/2.0\r\n${cl}\r\n\r\nhello`));
      expect(out.errors).toHaveLength(1);
      expect(out.frames).toHaveLength(0);
    }
  });

  it('reads the compact form l: and treats a missing Content-Length as an empty body', () => {
    const { framer, out } = collect();
    framer.push(Buffer.from('OPTIONS sip:x@y SIP/2.0\r\nl: 5\r\n\r\nhelloOPTIONS sip:z@y SIP/2.0\r\nCall-ID: 1\r\n\r\n'));
    expect(out.frames.map((f) => f.toString())).toEqual(['OPTIONS sip:x@y SIP/2.0\r\nl: 5\r\n\r\nhello', 'OPTIONS sip:z@y SIP/2.0\r\nCall-ID: 1\r\n\r\n']);
  });

  it('frames kept from the internal buffer do not change when more input arrives', () => {
    const { framer, out } = collect();
    const a = invite(SDP, 'keep@x');
    framer.push(Buffer.from(a.slice(0, 10)));
    framer.push(Buffer.from(a.slice(10) + a.slice(0, 10)));
    const first = out.frames[0]!.toString();
    framer.push(Buffer.from('Z'.repeat(500)));
    expect(out.frames[0]!.toString()).toBe(first);
    expect(first).toBe(a);
  });
});
