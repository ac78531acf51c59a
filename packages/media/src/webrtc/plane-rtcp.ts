/**
 * RTCP of a data plane (RFC 3550 §6, RFC 8108 for several SSRCs in one session): the plane's own sender and
 * receiver reports, instead of werift's report loops.
 *
 * werift runs two timer loops per transceiver (an SR loop per sender, an RR loop per receiver, each on a
 * timers/promises sleep with an AbortSignal, building report objects) and its receiver statistics only see the
 * packets werift itself handles — once the plane carries RTP that is the first packet of each SSRC, so its
 * receiver reports were stale. Here every plane of a thread is reported on one shared timer: one compound
 * packet per peer and interval (an SR for each SSRC that has sent, an RR with the report blocks, SDES CNAME), from statistics the plane keeps per received packet (RFC 3550 A.1 sequence, A.8 jitter). The
 * interval is randomised over [0.5, 1.5] × 1 s, as werift's and as §6.3.1 asks, so planes do not synchronise.
 *
 * Received reports: a sender report's NTP time is kept for the LSR/DLSR of our next block about that source; a
 * block about one of our SSRCs gives the round-trip time (§6.4.1) and the far end's view of loss and jitter.
 */
import { randomBytes } from 'node:crypto';
import { parseRtcp, SDES_CNAME, serializeRtcp, type ReportBlock, type RtcpPacket } from '../rtcp.ts';
import { ntpFromMs, RtpReceiverStats, rttFromReportBlock, wallClockMs } from '../rtp-stats.ts';

/** RFC 3550 §6.2's interval for a two-party session with RTCP bandwidth to spare, as WebRTC stacks use. */
export const REPORT_INTERVAL_MS = 1000;
/** How often the shared timer looks for planes whose report is due. */
const TICK_MS = 50;
/** At most 31 report blocks fit an SR or RR (5-bit count). */
const MAX_BLOCKS = 31;

/** What the reports say about one of our outgoing SSRCs. */
export interface RtcpSenderSource {
  readonly ssrc: number;
  readonly clockRate: number;
  /** Packets and payload octets sent (RFC 3550 §6.4.1 sender info). */
  readonly packetCount: number;
  readonly octetCount: number;
  /** RTP timestamp of the last packet sent and when (performance.now() ms): the SR's RTP time is extrapolated from it. */
  readonly lastTimestamp: number;
  readonly lastSendMs: number;
}

/** The far end's report about one of our SSRCs (its latest). */
export interface RemoteReceiverReport {
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly jitterMs: number;
}

export interface PlaneRtcpStats {
  /** Compound reports this plane built and sent, and the far end's it read. */
  reportsSent: number;
  reportsReceived: number;
  /** Round-trip time from the far end's latest report block about us (§6.4.1), ms; null before one with LSR. */
  rttMs: number | null;
}

export class PlaneRtcp {
  readonly stats: PlaneRtcpStats = { reportsSent: 0, reportsReceived: 0, rttMs: null };
  /** Per our SSRC: the far end's latest report about it. */
  readonly remoteReports = new Map<number, RemoteReceiverReport>();
  readonly #receivers = new Map<number, RtpReceiverStats>();
  #cname: string | undefined;
  /** An SSRC for RRs when no SSRC of ours has sent (RFC 3550 §6.4.2 needs one). */
  readonly #reporterSsrc = randomBytes(4).readUInt32BE(0);
  readonly #clockRates = new Map<number, number>();

  constructor(cname?: string) {
    this.useCname(cname);
  }

  /** The CNAME of our sources (the first one given sticks; RFC 3550 §6.5.1: one per participant). */
  useCname(cname: string | undefined): void {
    if (this.#cname === undefined && cname !== undefined && cname.length > 0 && Buffer.byteLength(cname) <= 255) this.#cname = cname;
  }

  /** The statistics of received SSRC `ssrc` (created on first use). */
  receiver(ssrc: number, clockRate: number): RtpReceiverStats {
    let r = this.#receivers.get(ssrc);
    if (r === undefined) {
      r = new RtpReceiverStats(ssrc, clockRate);
      this.#receivers.set(ssrc, r);
    }
    return r;
  }

  /** One compound report: an SR for each of our sources that has sent, an RR with the blocks, SDES CNAME. */
  report(sources: readonly RtcpSenderSource[]): Buffer {
    const wall = wallClockMs();
    const now = performance.now();
    const blocks: ReportBlock[] = [];
    for (const r of this.#receivers.values()) if (r.valid && blocks.length < MAX_BLOCKS) blocks.push(r.reportBlock(wall));
    const packets: RtcpPacket[] = [];
    const ssrcs: number[] = [];
    const { msw, lsw } = ntpFromMs(wall);
    for (const s of sources) {
      if (s.packetCount === 0) continue;
      ssrcs.push(s.ssrc);
      this.#clockRates.set(s.ssrc, s.clockRate);
      const elapsed = Math.max(0, Math.round(((now - s.lastSendMs) * s.clockRate) / 1000));
      packets.push({
        type: 'sr',
        ssrc: s.ssrc,
        ntpMsw: msw,
        ntpLsw: lsw,
        rtpTimestamp: (s.lastTimestamp + elapsed) >>> 0,
        packetCount: s.packetCount >>> 0,
        octetCount: s.octetCount >>> 0,
        reports: [],
      });
    }
    if (ssrcs.length === 0) ssrcs.push(this.#reporterSsrc);
    // the blocks go in an RR even after SRs: werift routes an SR to the receiver of its SSRC only, an RR's blocks
    // to the senders they are about (RFC 3550 §6.1 allows RRs after the SRs of a compound)
    if (packets.length === 0 || blocks.length > 0) packets.push({ type: 'rr', ssrc: ssrcs[0]!, reports: blocks });
    this.#cname ??= randomBytes(12).toString('base64url');
    const cname = this.#cname;
    packets.push({ type: 'sdes', chunks: ssrcs.map((ssrc) => ({ ssrc, items: [{ type: SDES_CNAME, value: cname }] })) });
    this.stats.reportsSent++;
    return serializeRtcp(packets);
  }

  /**
   * A received compound (decrypted): sender reports and report blocks about us are taken in. Returns whether it
   * holds anything else for werift's RTCP router (feedback: NACK, PLI, FIR, REMB), or null when it does not parse.
   */
  read(compound: Buffer): boolean | null {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(compound);
    } catch {
      return null;
    }
    this.stats.reportsReceived++;
    const wall = wallClockMs();
    let other = false;
    for (const p of packets) {
      if (p.type === 'sr') this.#receivers.get(p.ssrc)?.onSenderReport(p.ntpMsw, p.ntpLsw, wall);
      if (p.type === 'sr' || p.type === 'rr') {
        for (const block of p.reports) {
          const clockRate = this.#clockRates.get(block.ssrc);
          if (clockRate === undefined) continue; // not about a source of ours that has reported
          const rtt = rttFromReportBlock(block, wall);
          if (rtt !== null) this.stats.rttMs = rtt;
          this.remoteReports.set(block.ssrc, { fractionLost: block.fractionLost / 256, cumulativeLost: block.cumulativeLost, jitterMs: (block.jitter / clockRate) * 1000 });
        }
      } else if (p.type === 'other') other = true;
    }
    return other;
  }
}

/** One timer for every plane of this thread that reports. */
class ReportScheduler {
  readonly #due = new Map<() => void, number>();
  #timer: ReturnType<typeof setInterval> | null = null;

  add(report: () => void): void {
    // the first report half an interval (randomised) after the plane starts
    this.#due.set(report, performance.now() + REPORT_INTERVAL_MS * (0.25 + Math.random() / 2));
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
      this.#timer.unref();
    }
  }

  remove(report: () => void): void {
    this.#due.delete(report);
    if (this.#due.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #tick(): void {
    const now = performance.now();
    for (const [report, due] of this.#due) {
      if (now < due) continue;
      this.#due.set(report, now + REPORT_INTERVAL_MS * (0.5 + Math.random()));
      report();
    }
  }
}

export const reportScheduler = new ReportScheduler();
