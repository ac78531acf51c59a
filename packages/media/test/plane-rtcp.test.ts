import { describe, expect, it } from 'vitest';
import { parseRtcp, serializeRtcp, type ReceiverReport, type SenderReport, type SourceDescription } from '../src/rtcp.ts';
import { ntpFromMs, ntpMiddle32, wallClockMs } from '../src/rtp-stats.ts';
import { PlaneRtcp, type RtcpSenderSource } from '../src/webrtc/plane-rtcp.ts';

function source(ssrc: number, packetCount: number, lastTimestamp = 1000, lastSendMs = performance.now()): RtcpSenderSource {
  return { ssrc, clockRate: 48_000, packetCount, octetCount: packetCount * 100, lastTimestamp, lastSendMs };
}

describe('PlaneRtcp (the data plane’s own reports)', () => {
  it('reports an SR per source that has sent, the blocks in an RR, and one CNAME per SSRC', () => {
    const rtcp = new PlaneRtcp('plane@gwsim');
    const inbound = rtcp.receiver(0xaaaa, 48_000);
    // 20 packets with sequence numbers 100–124, five missing
    for (let seq = 100; seq < 125; seq++) if (seq < 110 || seq >= 115) inbound.update(seq, seq * 960, seq * 20, 120);
    const packets = parseRtcp(rtcp.report([source(1, 50), source(2, 0), source(3, 7)]));
    expect(packets.map((p) => p.type)).toEqual(['sr', 'sr', 'rr', 'sdes']);
    const [sr1, sr3, rr, sdes] = packets as [SenderReport, SenderReport, ReceiverReport, SourceDescription];
    expect([sr1.ssrc, sr1.packetCount, sr1.octetCount, sr3.ssrc, sr3.packetCount]).toEqual([1, 50, 5000, 3, 7]);
    expect(sr1.reports).toEqual([]);
    expect(rr.ssrc).toBe(1);
    expect(rr.reports).toEqual([expect.objectContaining({ ssrc: 0xaaaa, cumulativeLost: 5, highestSeq: 124, lsr: 0, dlsr: 0 })]);
    expect(sdes.chunks).toEqual([1, 3].map((ssrc) => ({ ssrc, items: [{ type: 1, value: 'plane@gwsim' }] })));
    expect(rtcp.stats.reportsSent).toBe(1);
  });

  it('extrapolates the SR’s RTP time from the last packet sent to the NTP instant', () => {
    const rtcp = new PlaneRtcp();
    const [sr] = parseRtcp(rtcp.report([source(9, 1, 48_000, performance.now() - 500)])) as [SenderReport];
    // half a second at 48 kHz after timestamp 48,000 (within the time the call took)
    expect(sr.rtpTimestamp).toBeGreaterThanOrEqual(72_000);
    expect(sr.rtpTimestamp).toBeLessThan(72_000 + 48 * 50);
  });

  it('keeps the first CNAME it is given (werift’s, from the SDP), and makes one up when given none', () => {
    const cnameOf = (rtcp: PlaneRtcp): string => (parseRtcp(rtcp.report([source(1, 1)])).at(-1) as SourceDescription).chunks[0]!.items[0]!.value;
    const given = new PlaneRtcp();
    given.useCname(undefined);
    given.useCname('first@werift');
    given.useCname('second');
    expect(cnameOf(given)).toBe('first@werift');
    const own = new PlaneRtcp();
    expect(cnameOf(own)).toMatch(/^[\w-]{16}$/);
    expect(cnameOf(own)).toBe(cnameOf(own));
  });

  it('with nothing sent, reports with an RR from an SSRC of its own', () => {
    const packets = parseRtcp(new PlaneRtcp().report([source(5, 0)]));
    expect(packets.map((p) => p.type)).toEqual(['rr', 'sdes']);
    expect((packets[0] as ReceiverReport).ssrc).not.toBe(5);
  });

  it('takes in the far end’s reports: LSR/DLSR for its source, round-trip time and loss about ours', () => {
    const rtcp = new PlaneRtcp();
    const inbound = rtcp.receiver(0xbbbb, 48_000);
    for (let seq = 0; seq < 5; seq++) inbound.update(seq, seq * 960, seq * 20, 100);
    const ours = parseRtcp(rtcp.report([source(7, 10)]))[0] as SenderReport; // the plane learns our SSRC's clock
    const wall = wallClockMs();
    const { msw, lsw } = ntpFromMs(wall);
    // the far end's SR, and its block about our SR: received 250 ms ago, answered after 100 ms
    const theirs = serializeRtcp([
      { type: 'sr', ssrc: 0xbbbb, ntpMsw: msw, ntpLsw: lsw, rtpTimestamp: 0, packetCount: 5, octetCount: 500, reports: [] },
      { type: 'rr', ssrc: 0xbbbb, reports: [{ ssrc: 7, fractionLost: 64, cumulativeLost: 3, highestSeq: 10, jitter: 480, lsr: ntpMiddle32(wall - 250), dlsr: 6554 }] },
    ]);
    expect(ours.ssrc).toBe(7);
    expect(rtcp.read(theirs)).toBe(false);
    expect(rtcp.stats.rttMs).toBeGreaterThan(140);
    expect(rtcp.stats.rttMs).toBeLessThan(200);
    expect(rtcp.remoteReports.get(7)).toEqual({ fractionLost: 0.25, cumulativeLost: 3, jitterMs: 10 });
    const block = (parseRtcp(rtcp.report([source(7, 11)]))[1] as ReceiverReport).reports[0]!;
    expect(block.lsr).toBe(((msw & 0xffff) << 16 | (lsw >>> 16)) >>> 0);
    expect(block.dlsr).toBeGreaterThanOrEqual(0);
    expect(rtcp.stats.reportsReceived).toBe(1);
  });

  it('says when a compound holds feedback for werift, and refuses one that does not parse', () => {
    const rtcp = new PlaneRtcp();
    const pli = Buffer.from([0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]); // PSFB FMT 1 (PLI), sender 1, media 2
    expect(rtcp.read(Buffer.concat([serializeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]), pli]))).toBe(true);
    expect(rtcp.read(Buffer.from([0x80, 201, 0, 9, 1, 2]))).toBeNull();
    expect(rtcp.stats.reportsReceived).toBe(1);
  });
});
