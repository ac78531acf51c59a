import { describe, expect, it } from 'vitest';
import { msFromNtp, ntpFromMs, ntpMiddle32, RtpReceiverStats, RtpSenderStats, rttFromReportBlock } from '../src/index.ts';

/** Feed sequence numbers at 20 ms / 160 timestamp units apart (PCMU), arrival exactly on time. */
function feed(stats: RtpReceiverStats, seqs: number[], startSeq = seqs[0]!): void {
  for (const seq of seqs) {
    const n = (seq - startSeq + 0x10000) & 0xffff;
    stats.update(seq & 0xffff, (1000 + n * 160) >>> 0, n * 20, 172);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('RtpReceiverStats: RFC 3550 A.1 sequence tracking', () => {
  it('counts through a sequence wrap: cycles, extended highest sequence, nothing lost', () => {
    const s = new RtpReceiverStats(7, 8000);
    feed(s, range(65530, 65530 + 19).map((n) => n & 0xffff), 65530);
    expect(s.valid).toBe(true);
    expect(s.packets).toBe(20);
    expect(s.received).toBe(19); // the first packet is the probation one (MIN_SEQUENTIAL = 2)
    expect(s.cycles).toBe(65536);
    expect(s.extendedHighestSeq).toBe(65536 + 13);
    expect(s.expected).toBe(19);
    expect(s.lost).toBe(0);
  });

  it('counts losses, loss events and burst lengths', () => {
    const s = new RtpReceiverStats(7, 8000);
    feed(s, range(0, 99).filter((n) => ![10, 11, 12, 50].includes(n)), 0);
    expect({ received: s.received, expected: s.expected, lost: s.lost, lossEvents: s.lossEvents, lostInBursts: s.lostInBursts }).toEqual({
      received: 95,
      expected: 99,
      lost: 4,
      lossEvents: 2,
      lostInBursts: 4,
    });
  });

  it('counts reordered packets once and duplicates again (cumulative loss can go negative, as in the RFC)', () => {
    const s = new RtpReceiverStats(7, 8000);
    feed(s, [0, 1, 2, 4, 3, 5, 5], 0);
    expect(s.expected).toBe(5);
    expect(s.received).toBe(6);
    expect(s.lost).toBe(-1);
    expect(s.reportBlock(0).cumulativeLost).toBe(-1);
  });

  it('re-synchronises after a restart: a large jump counts once the next packet follows it', () => {
    const s = new RtpReceiverStats(7, 8000);
    feed(s, range(0, 9), 0);
    expect(s.update(30000, 0, 300, 172)).toBe(false);
    expect(s.update(30001, 160, 320, 172)).toBe(true);
    expect(s.baseSeq).toBe(30001);
    expect(s.received).toBe(1);
    expect(s.update(30002, 320, 340, 172)).toBe(true);
    expect(s.expected).toBe(2);
    expect(s.lost).toBe(0);
  });

  it('keeps a source on probation until MIN_SEQUENTIAL packets arrive in sequence', () => {
    const s = new RtpReceiverStats(7, 8000);
    expect(s.update(100, 0, 0, 10)).toBe(false);
    expect(s.update(200, 160, 20, 10)).toBe(false); // not in sequence: probation starts over
    expect(s.valid).toBe(false);
    expect(s.expected).toBe(0);
    expect(s.update(201, 320, 40, 10)).toBe(true);
    expect(s.valid).toBe(true);
    const fromFirst = new RtpReceiverStats(8, 8000, 1);
    expect(fromFirst.update(5, 0, 0, 10)).toBe(true);
    expect(fromFirst.received).toBe(1);
  });
});

describe('RtpReceiverStats: A.3 fraction lost and A.8 jitter', () => {
  it('reports fraction lost per interval and cumulative loss in report blocks', () => {
    const s = new RtpReceiverStats(0xabc, 8000);
    feed(s, range(0, 49).filter((n) => n !== 10), 0);
    const first = s.reportBlock(1000);
    expect(first).toMatchObject({ ssrc: 0xabc, fractionLost: Math.floor(256 / 49), cumulativeLost: 1, highestSeq: 49, lsr: 0, dlsr: 0 });
    feed(s, range(50, 99), 0);
    expect(s.reportBlock(2000)).toMatchObject({ fractionLost: 0, cumulativeLost: 1, highestSeq: 99 });
    feed(s, range(100, 199).filter((n) => n % 4 !== 0), 0);
    expect(s.reportBlock(3000).fractionLost).toBe(Math.floor((25 * 256) / 100)); // 25 % lost in this interval
  });

  it('computes interarrival jitter in timestamp units and ms (J += (|D| − J) / 16), once per timestamp', () => {
    const s = new RtpReceiverStats(1, 8000);
    s.update(0, 0, 0, 172);
    s.update(1, 160, 20, 172);
    expect(s.jitter).toBe(0);
    s.update(2, 320, 45, 172); // 5 ms late: D = 40 units
    expect(s.jitter).toBeCloseTo(2.5, 10);
    s.update(3, 480, 60, 172); // on time again: D = −40
    expect(s.jitter).toBeCloseTo(2.5 + (40 - 2.5) / 16, 10);
    const before = s.jitter;
    s.update(4, 480, 90, 172); // same timestamp (a second packet of one frame): not a jitter sample
    expect(s.jitter).toBe(before);
    expect(s.jitterMs).toBeCloseTo(before / 8, 10);
    expect(s.reportBlock(0).jitter).toBe(Math.floor(before));
  });

  it('handles 32-bit RTP timestamp wrap and a 90 kHz clock', () => {
    const s = new RtpReceiverStats(1, 90000);
    for (let i = 0; i < 10; i++) s.update(i, (0xffffff00 + i * 3000) >>> 0, i * (1000 / 30), 1200);
    expect(s.jitter).toBeLessThan(1);
  });
});

describe('sender reports and round-trip time (RFC 3550 §6.4.1)', () => {
  it('NTP conversion: Unix ms ↔ seconds since 1900 with a 32-bit fraction; middle 32 bits', () => {
    const ms = Date.UTC(2024, 0, 1, 12, 0, 0, 500);
    const { msw, lsw } = ntpFromMs(ms);
    expect(msw).toBe(ms / 1000 - 0.5 + 2_208_988_800);
    expect(lsw).toBe(0x80000000);
    expect(msFromNtp(msw, lsw)).toBe(ms);
    expect(ntpMiddle32(ms)).toBe((((msw & 0xffff) << 16) | 0x8000) >>> 0);
  });

  it('SR sender info: counts, payload octets, RTP timestamp advanced to the report instant', () => {
    const s = new RtpSenderStats(42, 8000);
    const t = 1_700_000_000_000;
    s.onSent(1000, 160, t);
    s.onSent(1160, 160, t + 20);
    const sr = s.senderReport(t + 40);
    expect(sr).toMatchObject({ type: 'sr', ssrc: 42, packetCount: 2, octetCount: 320, rtpTimestamp: 1320, reports: [] });
    expect(msFromNtp(sr.ntpMsw, sr.ntpLsw)).toBeCloseTo(t + 40, 3);
  });

  it('RTT = A − LSR − DLSR: an SR answered by an RR after a hold time gives the wire round trip', () => {
    const sender = new RtpSenderStats(0x1111, 8000);
    const receiver = new RtpReceiverStats(0x1111, 8000);
    const t0 = 1_700_000_000_123.4;
    sender.onSent(0, 160, t0 - 20);
    const sr = sender.senderReport(t0);
    receiver.update(1, 0, 0, 172);
    receiver.update(2, 160, 20, 172);
    receiver.onSenderReport(sr.ntpMsw, sr.ntpLsw, t0 + 7); // 7 ms on the wire
    const block = receiver.reportBlock(t0 + 7 + 500); // held 500 ms
    expect(block.lsr).toBe(ntpMiddle32(t0));
    expect(block.dlsr).toBe(Math.floor(0.5 * 65536));
    const rtt = rttFromReportBlock(block, t0 + 7 + 500 + 9)!; // 9 ms back
    expect(rtt).toBeGreaterThan(15.9);
    expect(rtt).toBeLessThan(16.1);
    expect(rttFromReportBlock({ lsr: 0, dlsr: 0 }, t0)).toBeNull();
  });

  it('clamps cumulative loss to 24 bits in report blocks', () => {
    const s = new RtpReceiverStats(1, 8000);
    s.update(0, 0, 0, 1);
    s.update(1, 0, 0, 1);
    for (let i = 0; i < 3000; i++) s.update((2 + i * 2999) & 0xffff, 0, 0, 1); // loses 2998 of every 2999
    expect(s.lost).toBeGreaterThan(0x7fffff);
    expect(s.reportBlock(0).cumulativeLost).toBe(0x7fffff);
  });
});
