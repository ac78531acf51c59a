import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { readRtpHeader, RtpPort, writeRtpHeader, RTP_HEADER_BYTES } from '../src/index.ts';

const open: RtpPort[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe('RTP header (RFC 3550 §5.1)', () => {
  it('round-trips every field, including 32-bit timestamps and SSRCs', () => {
    const buf = Buffer.alloc(RTP_HEADER_BYTES + 3);
    writeRtpHeader(buf, { payloadType: 111, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true });
    expect(buf[0]).toBe(0x80);
    expect(readRtpHeader(buf)).toEqual({ payloadType: 111, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, payloadOffset: 12 });
  });

  it('skips CSRCs and a header extension, and rejects non-RTP datagrams', () => {
    const buf = Buffer.alloc(12 + 8 + 8 + 2);
    buf[0] = 0x80 | 0x10 | 2; // V=2, X=1, CC=2
    buf.writeUInt16BE(1, 12 + 8 + 2); // extension length: one 32-bit word
    expect(readRtpHeader(buf)?.payloadOffset).toBe(12 + 8 + 4 + 4);
    expect(readRtpHeader(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull(); // version 1
    expect(readRtpHeader(Buffer.alloc(5))).toBeNull();
  });
});

describe('RtpPort', () => {
  it('binds an even port and counts packets and bytes both ways, with running sequence numbers', async () => {
    const a = await RtpPort.open('127.0.15.1');
    const b = await RtpPort.open('127.0.15.2');
    open.push(a, b);
    expect(a.port % 2).toBe(0);
    const seqs: number[] = [];
    b.onPacket((h, payload) => {
      seqs.push(h.sequenceNumber);
      expect(payload.length).toBe(160);
      expect(h.ssrc).toBe(a.ssrc);
    });
    for (let i = 0; i < 5; i++) a.send({ address: b.address, port: b.port }, 0, Buffer.alloc(160, 0xff), 160);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.stats).toMatchObject({ packetsOut: 5, bytesOut: 5 * 172 });
    expect(b.stats).toMatchObject({ packetsIn: 5, bytesIn: 5 * 172, invalidIn: 0, lastSource: { address: '127.0.15.1', port: a.port } });
    expect(seqs.map((s) => (s - seqs[0]! + 65536) % 65536)).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts garbage as invalid instead of throwing, and close() is idempotent', async () => {
    const p = await RtpPort.open('127.0.15.3');
    const s = dgram.createSocket('udp4');
    s.send(Buffer.from('not rtp'), p.port, '127.0.15.3');
    await new Promise((r) => setTimeout(r, 50));
    s.close();
    expect(p.stats.invalidIn).toBe(1);
    expect(p.stats.packetsIn).toBe(0);
    await p.close();
    await p.close();
    expect(p.closed).toBe(true);
  });
});
