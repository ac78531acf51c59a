import { GwsimError, pick, seededRandom } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { isRtcpPacket, parseRtcp, RtcpParseError, serializeRtcp, writeRtcp, type RtcpPacket } from '../src/index.ts';

/** Hex with spaces/newlines → bytes. */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 3550 §6.4.1 SR with one report block, then §6.5 SDES (CNAME) and §6.6 BYE with a reason: one compound packet.
/** Hex with `// comments` → bytes. */
const wire = (s: string) => hex(s.replace(/\/\/.*$/gm, ''));

const SR = `
  81 c8 00 0c              // V=2 P=0 RC=1, PT=200, length 12 (52 bytes)
  11 22 33 44              // SSRC of sender
  e8 a1 b2 c3 80 00 00 00  // NTP timestamp (MSW, LSW = .5 s)
  00 01 00 00              // RTP timestamp
  00 00 00 64              // sender's packet count 100
  00 00 3e 80              // sender's octet count 16000
  55 66 77 88              // report block: SSRC_1
  40 ff ff fe              // fraction lost 64/256, cumulative lost -2 (24-bit two's complement)
  00 01 ff ff              // extended highest sequence number (1 cycle, 65535)
  00 00 00 20              // interarrival jitter 32
  b2 c3 80 00              // LSR
  00 01 00 00              // DLSR (1 s)`;
const SDES = `
  81 ca 00 05              // V=2 SC=1, PT=202, length 5 (24 bytes)
  11 22 33 44              // chunk SSRC
  01 0c 67 77 40 31 32 37 2e 30 2e 30 2e 31  // CNAME, 12 bytes "gw@127.0.0.1"
  00 00                    // null item + padding to 32 bits`;
const BYE = `
  81 cb 00 03              // V=2 SC=1, PT=203, length 3 (16 bytes)
  11 22 33 44              // SSRC
  04 64 6f 6e 65 00 00 00  // reason length 4, "done", padding`;

const COMPOUND: RtcpPacket[] = [
  {
    type: 'sr',
    ssrc: 0x11223344,
    ntpMsw: 0xe8a1b2c3,
    ntpLsw: 0x80000000,
    rtpTimestamp: 0x10000,
    packetCount: 100,
    octetCount: 16000,
    reports: [{ ssrc: 0x55667788, fractionLost: 64, cumulativeLost: -2, highestSeq: 0x1ffff, jitter: 32, lsr: 0xb2c38000, dlsr: 0x10000 }],
  },
  { type: 'sdes', chunks: [{ ssrc: 0x11223344, items: [{ type: 1, value: 'gw@127.0.0.1' }] }] },
  { type: 'bye', ssrcs: [0x11223344], reason: 'done' },
];

describe('RTCP packets (RFC 3550 §6.4–6.6)', () => {
  it('serializes SR + SDES + BYE byte for byte as the RFC lays them out, and parses them back', () => {
    const bytes = wire(SR + SDES + BYE);
    expect(bytes.length).toBe(52 + 24 + 16);
    expect(serializeRtcp(COMPOUND).toString('hex')).toBe(bytes.toString('hex'));
    expect(parseRtcp(bytes, { strict: true })).toEqual(COMPOUND);
  });

  it('an RR with no report blocks is 8 bytes; several blocks and an empty SDES chunk round-trip', () => {
    expect(serializeRtcp([{ type: 'rr', ssrc: 0xdeadbeef, reports: [] }]).toString('hex')).toBe('80c90001deadbeef');
    const packets: RtcpPacket[] = [
      { type: 'rr', ssrc: 1, reports: [1, 2, 3].map((s) => ({ ssrc: s, fractionLost: 255, cumulativeLost: 0x7fffff, highestSeq: 0xffffffff, jitter: 0, lsr: 0, dlsr: 0 })) },
      { type: 'sdes', chunks: [{ ssrc: 7, items: [] }, { ssrc: 8, items: [{ type: 2, value: 'Sälen room ☃' }, { type: 6, value: 'gwsim' }] }] },
      { type: 'bye', ssrcs: [1, 2] },
    ];
    const bytes = serializeRtcp(packets);
    expect(bytes[0]).toBe(0x83); // RC=3
    expect(bytes.readUInt16BE(2)).toBe((8 + 3 * 24) / 4 - 1);
    expect(bytes.subarray(80, 82).toString('hex')).toBe('82ca'); // SC=2
    expect(bytes.subarray(84, 92).toString('hex')).toBe('00000007' + '00000000'); // empty chunk: SSRC, null item, padding
    expect(bytes.length % 4).toBe(0);
    expect(parseRtcp(bytes)).toEqual(packets);
  });

  it('keeps unknown packet types (APP, RTPFB, PSFB, XR) as raw bodies', () => {
    const pli = hex('81 ce 00 02 00 00 00 01 00 00 00 02'); // RFC 4585 PLI: FMT=1, PT=206
    const rr = hex('80 c9 00 01 00 00 00 01');
    const parsed = parseRtcp(Buffer.concat([rr, pli]));
    expect(parsed[1]).toEqual({ type: 'other', packetType: 206, count: 1, body: hex('00 00 00 01 00 00 00 02') });
    expect(serializeRtcp(parsed).toString('hex')).toBe(Buffer.concat([rr, pli]).toString('hex'));
  });

  it('strips padding from the last packet, and pads an unaligned last body when serializing', () => {
    const padded = hex('a0 c9 00 02 00 00 00 09 00 00 00 04'); // P=1, RR, 4 bytes of padding
    expect(parseRtcp(padded)).toEqual([{ type: 'rr', ssrc: 9, reports: [] }]);
    const app = hex('a0 cc 00 02 00 00 00 01 61 62 63 01'); // APP: a 7-byte body + 1 byte of padding
    expect(parseRtcp(app)).toEqual([{ type: 'other', packetType: 204, count: 0, body: hex('00 00 00 01 61 62 63') }]);
    expect(serializeRtcp(parseRtcp(app)).toString('hex')).toBe(app.toString('hex'));
    expect(() => serializeRtcp([...parseRtcp(app), { type: 'bye', ssrcs: [] }])).toThrow(/only the last packet/);
  });

  it.each([
    ['empty', '', /at least 4 bytes/],
    ['version 1', '41 c9 00 01 00 00 00 01', /version 1, expected 2/],
    ['length past the end', '80 c9 00 05 00 00 00 01', /length field says 24 bytes but 8 remain/],
    ['padding not last', 'a0 c9 00 01 00 00 00 01 80 c9 00 01 00 00 00 01', /padding is only allowed in the last packet/],
    ['report blocks that do not fit', '81 c9 00 01 00 00 00 01', /1 report blocks do not fit/],
    ['SDES without null item', '81 ca 00 02 00 00 00 01 01 02 61 62', /no terminating null item/],
    ['SDES with invalid UTF-8', '81 ca 00 02 00 00 00 01 01 01 ff 00', /not valid UTF-8/],
    ['strict: starts with BYE', '80 cb 00 00', /must start with an SR or RR/],
  ])('rejects %s with an RtcpParseError naming the offset', (name, bytes, message) => {
    const err = (() => {
      try {
        parseRtcp(hex(bytes), { strict: name.startsWith('strict') });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RtcpParseError);
    expect((err as RtcpParseError).code).toBe('GWSIM_ERR_PARSE');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^RTCP at byte \d+: /);
  });

  it('refuses to serialize out-of-range fields, naming the field path', () => {
    const bad = (p: RtcpPacket) => () => serializeRtcp([p]);
    const block = { ssrc: 1, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
    expect(bad({ type: 'rr', ssrc: 1, reports: [{ ...block, fractionLost: 256 }] })).toThrow('packets[0].reports[0].fractionLost: must be an integer from 0 to 255, got 256');
    expect(bad({ type: 'rr', ssrc: 1, reports: [{ ...block, cumulativeLost: -0x800001 }] })).toThrow(/cumulativeLost: must be an integer from -8388608/);
    expect(bad({ type: 'rr', ssrc: 2 ** 32, reports: [] })).toThrow('packets[0].ssrc: must be an integer from 0 to 4294967295');
    expect(bad({ type: 'rr', ssrc: 1, reports: Array.from({ length: 32 }, () => block) })).toThrow(/at most 31/);
    expect(bad({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'x'.repeat(256) }] }] })).toThrow('packets[0].chunks[0].items[0].value: must be at most 255 bytes');
    expect(bad({ type: 'bye', ssrcs: [], reason: 'é'.repeat(128) })).toThrow(GwsimError);
  });

  it('writeRtcp writes into a caller buffer at an offset and says how much', () => {
    const buf = Buffer.alloc(200, 0xaa);
    expect(writeRtcp(COMPOUND, buf, 10)).toBe(92);
    expect(buf.subarray(10, 102).toString('hex')).toBe(wire(SR + SDES + BYE).toString('hex'));
    expect(buf[9]).toBe(0xaa);
    expect(() => writeRtcp(COMPOUND, Buffer.alloc(50))).toThrow(/needs 92 bytes/);
  });
});

describe('RFC 5761 rtcp-mux demultiplexing', () => {
  it('RTCP types 200-207 (RTP payload types 72-79 with the marker bit) are RTCP; RTP payload types are not', () => {
    for (let type = 200; type <= 207; type++) expect(isRtcpPacket(Buffer.from([0x80, type, 0, 1, 0, 0, 0, 1]))).toBe(true);
    for (const pt of [0, 8, 96, 111, 127]) {
      for (const marker of [0, 0x80]) expect(isRtcpPacket(Buffer.from([0x80, marker | pt, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toBe(false);
    }
    expect(isRtcpPacket(Buffer.from([0x40, 200, 0, 1, 0, 0, 0, 1]))).toBe(false); // version 1
    expect(isRtcpPacket(Buffer.from([0x80, 200, 0, 0]))).toBe(false); // shorter than any report
  });
});

describe('RTCP fuzz', () => {
  const seeds = [wire(SR + SDES + BYE), serializeRtcp([{ type: 'rr', ssrc: 5, reports: [] }, { type: 'other', packetType: 205, count: 1, body: hex('00000001 00000002 00010002') }])];

  it('never throws anything but RtcpParseError; what parses re-serializes and re-parses equal', () => {
    const rand = seededRandom(0x5eed);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const buf = Buffer.from(pick(rand, seeds));
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * buf.length);
        const op = rand();
        if (op < 0.6) buf[at] = Math.floor(rand() * 256);
        else if (op < 0.8) buf[at] = buf[at]! ^ (1 << Math.floor(rand() * 8));
        else buf.writeUInt16BE(Math.floor(rand() * 30), (at & ~3) + 2 < buf.length - 1 ? (at & ~3) + 2 : 2); // a length field
      }
      const cut = rand() < 0.2 ? buf.subarray(0, Math.floor(rand() * buf.length)) : buf;
      let packets: RtcpPacket[];
      try {
        packets = parseRtcp(cut);
      } catch (err) {
        if (!(err instanceof RtcpParseError)) throw new Error(`non-RtcpParseError for ${cut.toString('hex')}`, { cause: err });
        rejected++;
        continue;
      }
      parsed++;
      const again = parseRtcp(serializeRtcp(packets));
      expect(again).toEqual(packets);
    }
    expect(parsed).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });

  it('random bytes only ever produce RtcpParseError', () => {
    const rand = seededRandom(11);
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.alloc(Math.floor(rand() * 64));
      for (let k = 0; k < buf.length; k++) buf[k] = Math.floor(rand() * 256);
      if (rand() < 0.7 && buf.length > 0) buf[0] = 0x80 | (buf[0]! & 0x3f);
      try {
        parseRtcp(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(RtcpParseError);
      }
    }
  });
});
