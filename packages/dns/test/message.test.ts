import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import { decodeMessage, DnsParseError, emptyMessage, encodeMessage, peekHeader, RR_CLASS, RR_TYPE, type DnsMessage, type WireRecord } from '../src/index.ts';
import { bytesToIpv6, ipv6ToBytes } from '../src/ip.ts';
import { mulberry32 } from './support/prng.ts';

const RECORDS: WireRecord[] = [
  { name: '_sip._udp.vc.example.com', type: 'SRV', ttl: 60, priority: 10, weight: 20, port: 5060, target: 'px01.vc.example.com' },
  { name: 'px01.vc.example.com', type: 'A', ttl: 60, address: '127.0.0.11' },
  { name: 'px01.vc.example.com', type: 'AAAA', ttl: 60, address: '2001:db8::11' },
  { name: 'alias.vc.example.com', type: 'CNAME', ttl: 30, target: 'px01.vc.example.com' },
  { name: 'vc.example.com', type: 'TXT', ttl: 5, data: ['v=1', 'hello world'] },
  { name: 'vc.example.com', type: 'NAPTR', ttl: 60, order: 10, preference: 20, flags: 'S', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.vc.example.com' },
  { name: 'vc.example.com', type: 'SOA', ttl: 60, mname: 'ns.vc.example.com', rname: 'hostmaster.vc.example.com', serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
  { name: 'vc.example.com', type: 99, class: RR_CLASS.IN, ttl: 1, rdata: Buffer.from([1, 2, 3]) },
];

function response(): DnsMessage {
  return {
    ...emptyMessage(0xbeef),
    qr: true,
    aa: true,
    rd: true,
    questions: [{ name: '_sip._udp.vc.example.com', type: RR_TYPE.SRV, class: RR_CLASS.IN }],
    answers: RECORDS.slice(0, 1),
    authorities: RECORDS.slice(6, 7),
    additionals: [...RECORDS.slice(1, 6), ...RECORDS.slice(7), { name: '', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, version: 0, dnssecOk: true, options: Buffer.alloc(0) }],
  };
}

describe('message codec (RFC 1035 §4.1)', () => {
  it('round-trips every record type, header flags and EDNS', () => {
    const msg = response();
    expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
  });

  it('compresses owner names but never the SRV target (RFC 2782)', () => {
    const msg: DnsMessage = { ...response(), answers: RECORDS.slice(0, 1), authorities: [], additionals: [] };
    const wire = encodeMessage(msg);
    // Question name in full, answer owner as a pointer to offset 12, target spelled out in labels.
    expect(wire.subarray(12 + 26 + 4, 12 + 26 + 4 + 2)).toEqual(Buffer.from([0xc0, 12]));
    expect(wire.includes(Buffer.from('\x04px01\x02vc\x07example\x03com\x00', 'latin1'))).toBe(true);
  });

  it('encodes the extended rcode into the OPT TTL (RFC 6891 §6.1.3)', () => {
    const msg: DnsMessage = { ...response(), rcode: 16 };
    const wire = encodeMessage(msg);
    expect(wire[3]! & 0xf).toBe(0);
    expect(decodeMessage(wire).rcode).toBe(16);
    expect(() => encodeMessage({ ...emptyMessage(), rcode: 16 })).toThrow(/needs an OPT/);
  });

  it('is read by dns2 (an independent codec) the same way', () => {
    const parsed = Packet.parse(encodeMessage(response()));
    expect(parsed.header.id).toBe(0xbeef);
    expect(parsed.header.aa).toBe(1);
    expect(parsed.answers[0]).toMatchObject({ name: '_sip._udp.vc.example.com', priority: 10, weight: 20, port: 5060, target: 'px01.vc.example.com' });
    expect(parsed.additionals[0]).toMatchObject({ name: 'px01.vc.example.com', address: '127.0.0.11' });
    expect(parsed.additionals[1]).toMatchObject({ name: 'px01.vc.example.com', address: '2001:db8::11' });
    expect(parsed.additionals[2]).toMatchObject({ name: 'alias.vc.example.com', domain: 'px01.vc.example.com' });
  });

  it('reads a query that dns2 encoded', () => {
    const q = new Packet();
    q.header.id = 77;
    q.header.rd = 1;
    q.questions.push({ name: 'px01.vc.example.com', type: Packet.TYPE.A, class: Packet.CLASS.IN } as InstanceType<typeof Packet>['questions'][number]);
    const msg = decodeMessage(q.toBuffer());
    expect(msg).toMatchObject({ id: 77, qr: false, rd: true, questions: [{ name: 'px01.vc.example.com', type: 1, class: 1 }] });
  });

  it('keeps question case and escapes odd label bytes (RFC 1035 §5.1)', () => {
    const wire = Buffer.concat([encodeMessage(emptyMessage(1)).subarray(0, 12), Buffer.from('\x03a.b\x02A\\\x03\x00\x01\x7f\x01X\x00\x00\x01\x00\x01', 'latin1')]);
    wire.writeUInt16BE(1, 4);
    const msg = decodeMessage(wire);
    expect(msg.questions[0]!.name).toBe('a\\.b.A\\\\.\\000\\001\\127.X');
    expect(encodeMessage(msg)).toEqual(wire);
  });

  it.each([
    ['shorter than the header', Buffer.alloc(11), /shorter than the 12-byte header/],
    ['a question past the end', Buffer.from('000000000001000000000000', 'hex'), /past the end/],
    ['a self-pointer', Buffer.from('000000000001000000000000c00c00010001', 'hex'), /does not point backwards/],
    ['a two-step pointer loop', Buffer.from('000000000001000000000000' + '0161c00c00010001', 'hex'), /does not point backwards/],
    ['a forward pointer', Buffer.from('000000000001000000000000c01000010001' + '0161' + '00', 'hex'), /does not point backwards/],
    ['an extended label type', Buffer.from('0000000000010000000000004100010001', 'hex'), /unsupported label type/],
    ['trailing bytes', Buffer.from('000000000001000000000000000001000100ff', 'hex'), /trailing bytes/],
    ['an A record with 3 bytes', Buffer.from('000084000000000100000000' + '00' + '00010001' + '0000003c' + '0003' + '7f0000', 'hex'), /A RDATA must be 4 bytes/],
    ['RDLENGTH longer than the RDATA', Buffer.from('000084000000000100000000' + '00' + '00050001' + '0000003c' + '0003' + '00' + '0000', 'hex'), /RDLENGTH 3 does not match/],
    ['an OPT with an owner name', Buffer.from('000000000000000000000001' + '0161' + '00' + '0029' + '04d0' + '00000000' + '0000', 'hex'), /OPT owner name must be the root/],
  ])('rejects %s with DnsParseError', (_what, bytes, message) => {
    expect(() => decodeMessage(bytes)).toThrow(DnsParseError);
    expect(() => decodeMessage(bytes)).toThrow(message);
  });

  // Regression for the plain-name fast path in the encoder: it must share compression targets with the
  // escaped-name path and compare case-insensitively, exactly like the general code.
  it('compresses across plain and escaped names, case-insensitively', () => {
    const msg: DnsMessage = {
      ...emptyMessage(1),
      questions: [{ name: 'Foo.Example.COM', type: RR_TYPE.A, class: RR_CLASS.IN }],
      answers: [
        { name: 'foo.example.com.', type: 'A', ttl: 1, address: '192.0.2.1' },
        { name: 'a\\.b.example.com', type: 'A', ttl: 1, address: '192.0.2.2' },
        { name: 'x.a\\.b.EXAMPLE.com', type: 'A', ttl: 1, address: '192.0.2.3' },
      ],
    };
    const wire = encodeMessage(msg);
    expect(wire.readUInt16BE(12 + 17 + 4)).toBe(0xc00c); // answer 1 owner: a pointer to the question name
    const second = 12 + 17 + 4 + 2 + 14; // "a\.b" label, then a pointer to "example.com" inside the question
    expect(wire.subarray(second, second + 4).toString('latin1')).toBe('\x03a.b');
    expect(wire.readUInt16BE(second + 4)).toBe(0xc000 | 16);
    const decoded = decodeMessage(wire);
    expect(decoded.answers.map((r) => r.name)).toEqual(['Foo.Example.COM', 'a\\.b.Example.COM', 'x.a\\.b.Example.COM']);
    expect(wire.length).toBe(12 + 17 + 4 + (2 + 14) + (6 + 14) + (4 + 14));
  });

  it('rejects names longer than 255 bytes on the wire', () => {
    const label = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)]);
    const wire = Buffer.concat([Buffer.from('000000000001000000000000', 'hex'), label, label, label, label, Buffer.from('0000010001', 'hex')]);
    expect(() => decodeMessage(wire)).toThrow(/longer than 255 bytes/);
  });

  it('peeks at a header even when the body is garbage', () => {
    expect(peekHeader(Buffer.from('abcd0100000100000000000000ffff', 'hex'))).toMatchObject({ id: 0xabcd, qr: false, opcode: 0, rd: true, qdcount: 1 });
    expect(peekHeader(Buffer.alloc(5))).toBeUndefined();
  });

  // Property (STYLE.md, pion sdp fuzz): decoding never throws anything but DnsParseError, and whatever decodes
  // re-encodes and re-decodes to an equal message. Seeded, so a failure reproduces.
  it('fuzz: mutated messages either fail with DnsParseError or round-trip', () => {
    const random = mulberry32(0xd15ea5e);
    const seed = encodeMessage(response());
    let decoded = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(seed);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      const input = bytes.subarray(0, cut);
      let msg: DnsMessage;
      try {
        msg = decodeMessage(input);
      } catch (err) {
        expect(err, `input ${input.toString('hex')}`).toBeInstanceOf(DnsParseError);
        continue;
      }
      decoded++;
      expect(decodeMessage(encodeMessage(msg)), `input ${input.toString('hex')}`).toEqual(msg);
    }
    expect(decoded).toBeGreaterThan(500); // the mutations must also exercise the success path
  });
});

describe('AAAA text form (RFC 5952)', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
  ])('%s -> %s', (input, canonical) => {
    expect(bytesToIpv6(ipv6ToBytes(input))).toBe(canonical);
  });
});
