/**
 * RFC 3550 statistics for one RTP source. `RtpReceiverStats` implements Appendix A.1 (sequence validation
 * with wrap-around, probation, cycles), A.3 (expected, lost, fraction lost per report interval) and A.8
 * (interarrival jitter) and produces report blocks (§6.4.1); `RtpSenderStats` produces sender reports
 * (§6.4.1 sender info); `rttFromReportBlock` is the round trip of §6.4.1 from LSR/DLSR. Per-packet updates
 * only touch numbers: no allocation.
 */
import type { ReportBlock, SenderReport } from './rtcp.ts';

/** RFC 3550 A.1 constants. */
export const MIN_SEQUENTIAL = 2;
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const RTP_SEQ_MOD = 0x10000;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 0x1_0000_0000;

/** Wall-clock milliseconds (Unix epoch) with sub-millisecond resolution, monotonic within the process. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** NTP timestamp (RFC 3550 §4) of a Unix-epoch time in ms: seconds since 1900 and the 32-bit fraction. */
export function ntpFromMs(unixMs: number): { msw: number; lsw: number } {
  const seconds = Math.floor(unixMs / 1000);
  return { msw: (seconds + NTP_UNIX_OFFSET_S) % TWO_32, lsw: Math.floor(((unixMs - seconds * 1000) / 1000) * TWO_32) >>> 0 };
}

/** Unix-epoch ms of an NTP timestamp. */
export function msFromNtp(msw: number, lsw: number): number {
  return (msw - NTP_UNIX_OFFSET_S) * 1000 + (lsw / TWO_32) * 1000;
}

/** The middle 32 bits of the NTP timestamp of `unixMs` (the "compact" form LSR and RTT use). Allocation-free. */
export function ntpMiddle32(unixMs: number): number {
  const seconds = Math.floor(unixMs / 1000);
  const msw = (seconds + NTP_UNIX_OFFSET_S) % TWO_32;
  const lsw = Math.floor(((unixMs - seconds * 1000) / 1000) * TWO_32) >>> 0;
  return (((msw & 0xffff) << 16) | (lsw >>> 16)) >>> 0;
}

/**
 * Round-trip time in ms from a report block about our own stream (RFC 3550 §6.4.1: A − LSR − DLSR, all in
 * 1/65536 s), `arrivalMs` being the wall-clock arrival of the report. Null when the block has no LSR.
 */
export function rttFromReportBlock(block: Pick<ReportBlock, 'lsr' | 'dlsr'>, arrivalMs: number): number | null {
  if (block.lsr === 0) return null;
  const units = (ntpMiddle32(arrivalMs) - block.lsr - block.dlsr) | 0;
  return units < 0 ? 0 : (units / 65536) * 1000;
}

export interface ReceiverStatsSnapshot {
  readonly ssrc: number;
  readonly clockRate: number;
  /** Every packet seen for this SSRC, including the probation ones RFC 3550 does not count. */
  readonly packets: number;
  readonly bytes: number;
  /** RFC 3550 A.1 `received` (after probation). */
  readonly received: number;
  readonly expected: number;
  readonly lost: number;
  readonly extendedHighestSeq: number;
  readonly jitter: number;
  readonly jitterMs: number;
  /** Gaps seen in sequence (loss events) and the packets they held: mean burst = lostInBursts / lossEvents. */
  readonly lossEvents: number;
  readonly lostInBursts: number;
  readonly valid: boolean;
}

/** Receiver side of RFC 3550 for one SSRC. `clockRate` is the RTP clock (8000 PCMU, 48000 Opus, 90000 video). */
export class RtpReceiverStats {
  readonly ssrc: number;
  readonly clockRate: number;
  packets = 0;
  bytes = 0;
  // RFC 3550 A.1 `source` fields
  maxSeq = 0;
  cycles = 0;
  baseSeq = 0;
  badSeq = RTP_SEQ_MOD + 1;
  probation: number;
  received = 0;
  expectedPrior = 0;
  receivedPrior = 0;
  /** A.8 jitter estimate in timestamp units (kept as a float; reports carry the integer part). */
  jitter = 0;
  lossEvents = 0;
  lostInBursts = 0;
  #transit = 0;
  #lastTimestamp = -1;
  #lastSrMiddle = 0;
  #lastSrArrivalMs = 0;
  readonly #minSequential: number;

  constructor(ssrc: number, clockRate: number, minSequential = MIN_SEQUENTIAL) {
    if (!(clockRate > 0)) throw new RangeError(`clockRate must be positive, got ${clockRate}`);
    this.ssrc = ssrc >>> 0;
    this.clockRate = clockRate;
    this.#minSequential = minSequential;
    this.probation = minSequential;
  }

  #initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** A.1 update_seq: true when the packet counts (valid source, not a restart candidate). */
  #updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.#initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = this.#minSequential - 1;
        this.maxSeq = seq;
      }
      return false;
    } else if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
      if (udelta > 1) {
        this.lossEvents++;
        this.lostInBursts += udelta - 1;
      }
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // a very large jump: if the next packet follows it, the source restarted its sequence
      if (seq === this.badSeq) this.#initSeq(seq);
      else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet
    this.received++;
    return true;
  }

  /**
   * One received packet: sequence number, RTP timestamp, arrival time in ms (any monotonic clock) and its
   * size. Returns whether RFC 3550 A.1 counts it. Jitter (A.8) is updated once per RTP timestamp, so the
   * packets of one video frame, sent back to back with one timestamp, do not count as jitter.
   */
  update(seq: number, timestamp: number, arrivalMs: number, bytes: number): boolean {
    this.packets++;
    this.bytes += bytes;
    if (this.packets === 1) {
      this.#initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.#minSequential;
    }
    const counted = this.#updateSeq(seq);
    if (timestamp !== this.#lastTimestamp) {
      const arrival = Math.floor((arrivalMs * this.clockRate) / 1000);
      const transit = (arrival - timestamp) | 0;
      if (this.#lastTimestamp >= 0) {
        let d = (transit - this.#transit) | 0;
        if (d < 0) d = -d;
        this.jitter += (d - this.jitter) / 16;
      }
      this.#transit = transit;
      this.#lastTimestamp = timestamp >>> 0;
    }
    return counted;
  }

  /** A sender report arrived from this source (for LSR/DLSR in our next report block). */
  onSenderReport(ntpMsw: number, ntpLsw: number, arrivalMs: number): void {
    this.#lastSrMiddle = (((ntpMsw & 0xffff) << 16) | (ntpLsw >>> 16)) >>> 0;
    this.#lastSrArrivalMs = arrivalMs;
  }

  get valid(): boolean {
    return this.probation === 0;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** A.3 expected packets (0 until the source is valid). */
  get expected(): number {
    return this.valid ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  get lost(): number {
    return this.expected - this.received;
  }

  get jitterMs(): number {
    return (this.jitter / this.clockRate) * 1000;
  }

  /**
   * The report block for this source (RFC 3550 §6.4.1, A.3), closing the current report interval.
   * `nowMs` is the same wall clock SR arrivals were given in (for DLSR).
   */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    const lost = Math.max(-0x800000, Math.min(0x7fffff, this.lost));
    const dlsr = this.#lastSrMiddle === 0 ? 0 : Math.max(0, Math.floor(((nowMs - this.#lastSrArrivalMs) / 1000) * 65536)) >>> 0;
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: lost,
      highestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitter) >>> 0,
      lsr: this.#lastSrMiddle,
      dlsr,
    };
  }

  snapshot(): ReceiverStatsSnapshot {
    return {
      ssrc: this.ssrc,
      clockRate: this.clockRate,
      packets: this.packets,
      bytes: this.bytes,
      received: this.received,
      expected: this.expected,
      lost: this.lost,
      extendedHighestSeq: this.extendedHighestSeq,
      jitter: this.jitter,
      jitterMs: this.jitterMs,
      lossEvents: this.lossEvents,
      lostInBursts: this.lostInBursts,
      valid: this.valid,
    };
  }
}

/** Sender side of RFC 3550 for one SSRC: counts what was sent and writes the SR sender info. */
export class RtpSenderStats {
  readonly ssrc: number;
  readonly clockRate: number;
  packets = 0;
  /** Payload octets (RFC 3550 §6.4.1: headers and padding excluded). */
  octets = 0;
  #lastTimestamp = 0;
  #lastSendMs = 0;

  constructor(ssrc: number, clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError(`clockRate must be positive, got ${clockRate}`);
    this.ssrc = ssrc >>> 0;
    this.clockRate = clockRate;
  }

  /** One packet sent: its RTP timestamp, payload size and the wall-clock send time in ms. */
  onSent(timestamp: number, payloadBytes: number, nowMs: number): void {
    this.packets++;
    this.octets += payloadBytes;
    this.#lastTimestamp = timestamp;
    this.#lastSendMs = nowMs;
  }

  /**
   * A sender report at wall-clock `nowMs`: the RTP timestamp is the last one sent, advanced by the time
   * since (§6.4.1: the same instant as the NTP timestamp, in RTP units). Counts wrap at 32 bits.
   */
  senderReport(nowMs: number, reports: ReportBlock[] = []): SenderReport {
    const { msw, lsw } = ntpFromMs(nowMs);
    const elapsed = this.packets === 0 ? 0 : Math.max(0, Math.round(((nowMs - this.#lastSendMs) * this.clockRate) / 1000));
    return {
      type: 'sr',
      ssrc: this.ssrc,
      ntpMsw: msw,
      ntpLsw: lsw,
      rtpTimestamp: (this.#lastTimestamp + elapsed) >>> 0,
      packetCount: this.packets % TWO_32,
      octetCount: this.octets % TWO_32,
      reports,
    };
  }
}
