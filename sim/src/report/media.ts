/**
 * Media in the report: one call's figures (the endpoint's MediaSession statistics and, when the node bridged
 * the call, its hop counters) as a CallMediaReport, and groups of calls summed into a MediaAggregate. Round
 * trips are merged as histograms, so an aggregate's percentiles are those of every probe, not of per-call
 * percentiles.
 */
import { LatencyHistogram, STREAM_NAMES, type LatencySummary, type MediaSessionStats, type StreamName } from '@gwsim/media';
import type { BridgeSnapshot, BridgeStreamStats } from '@gwsim/node';
import type { CallMediaReport, LegLoss, MediaAggregate, MediaHopName, MediaSummary, NodeCallMedia, NodeMediaCounts, PacketCount, RttSummary, StreamMediaAggregate, StreamMediaReport } from './report-types.ts';

export const MEDIA_HOP_NAMES: readonly MediaHopName[] = Object.freeze(['endpoint_to_node', 'node_to_meet', 'meet_to_node', 'node_to_endpoint']);

/** Three decimals: figures a person reads, from sums and floating-point percentiles. */
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

function rtt(s: LatencySummary | null): RttSummary | null {
  return s && { count: s.count, min: r3(s.minMs), mean: r3(s.meanMs), p50: r3(s.p50Ms), p95: r3(s.p95Ms), p99: r3(s.p99Ms), max: r3(s.maxMs) };
}

const lossPercent = (expected: number, lost: number): number => (expected > 0 ? r3((100 * lost) / expected) : 0);

const zero = (): PacketCount => ({ packets: 0, bytes: 0 });
const noLoss = (): LegLoss => ({ expected: 0, lost: 0 });

function emptyNode(): NodeMediaCounts {
  return { hops: { endpoint_to_node: zero(), node_to_meet: zero(), meet_to_node: zero(), node_to_endpoint: zero() }, held: 0, local: zero() };
}

function addCount(into: PacketCount, from: PacketCount): void {
  into.packets += from.packets;
  into.bytes += from.bytes;
}

function addLoss(into: LegLoss, from: LegLoss): void {
  into.expected += from.expected;
  into.lost += from.lost;
}

/** Add a stream's (or a call's, a group's) node counters: hops, held, local. */
function addNode(into: NodeMediaCounts, from: Pick<BridgeStreamStats, 'hops' | 'held' | 'local'>): void {
  for (const h of MEDIA_HOP_NAMES) addCount(into.hops[h], from.hops[h]);
  into.held += from.held;
  addCount(into.local, from.local);
}

function copyNode(from: NodeMediaCounts): NodeMediaCounts {
  const out = emptyNode();
  addNode(out, from);
  return out;
}

function copyCallNode(from: NodeCallMedia): NodeCallMedia {
  return { ...copyNode(from), loss: { endpoint: { ...from.loss.endpoint }, meet: { ...from.loss.meet } } };
}

/** The bridge's counters over every stream (its snapshot totals the hops, not what it held or played itself). */
function callNode(bridge: BridgeSnapshot): NodeCallMedia {
  const out: NodeCallMedia = { ...emptyNode(), loss: { endpoint: { ...bridge.loss.endpoint }, meet: { ...bridge.loss.meet } } };
  for (const name of STREAM_NAMES) {
    const s = bridge.streams[name];
    if (s) addNode(out, s);
  }
  return out;
}

/** One call's media: the endpoint's statistics per stream, with the bridging node's counters when there are some. */
export function callMediaReport(stats: MediaSessionStats, bridge: BridgeSnapshot | null): CallMediaReport {
  const streams: StreamMediaReport[] = [];
  for (const name of STREAM_NAMES) {
    const s = stats.streams[name];
    if (!s) continue;
    const lost = Math.max(0, s.received.lost);
    const node = bridge?.streams[name];
    streams.push({
      stream: name,
      accepted: s.remote !== null,
      sent: { packets: s.sent.packets, bytes: s.sent.bytes },
      received: { packets: s.received.packets, bytes: s.received.bytes },
      expected: s.received.expected,
      lost,
      lossPercent: lossPercent(s.received.expected, lost),
      jitterMs: r3(s.received.jitterMs),
      rttMs: rtt(s.rtt),
      mos: s.quality ? r3(s.quality.mos) : null,
      origins: { ...s.origins },
      node: node ? copyNode(node) : null,
    });
  }
  return { streams, node: bridge ? callNode(bridge) : null };
}

interface StreamTotals {
  calls: number;
  sent: PacketCount;
  received: PacketCount;
  expected: number;
  lost: number;
  jitterMaxMs: number;
  rtt: LatencyHistogram;
  node: NodeMediaCounts | null;
}

/** Sums the media of a group of calls (one per report scope); `add` each call as it ends. */
export class MediaAggregator {
  #calls = 0;
  #bridged = 0;
  readonly #streams = new Map<StreamName, StreamTotals>();
  #mos = { count: 0, min: Infinity, sum: 0 };
  #node: NodeCallMedia | null = null;

  get calls(): number {
    return this.#calls;
  }

  /** One call's report, and the RTT histogram of each of its streams (merged, see the file comment). */
  add(call: CallMediaReport, rttOf: (stream: StreamName) => LatencyHistogram | null): void {
    this.#calls++;
    for (const s of call.streams) {
      let t = this.#streams.get(s.stream);
      if (!t) {
        t = { calls: 0, sent: zero(), received: zero(), expected: 0, lost: 0, jitterMaxMs: 0, rtt: new LatencyHistogram(), node: null };
        this.#streams.set(s.stream, t);
      }
      t.calls++;
      addCount(t.sent, s.sent);
      addCount(t.received, s.received);
      t.expected += s.expected;
      t.lost += s.lost;
      t.jitterMaxMs = Math.max(t.jitterMaxMs, s.jitterMs);
      const h = rttOf(s.stream);
      if (h) t.rtt.merge(h);
      if (s.node) addNode((t.node ??= emptyNode()), s.node);
      if (s.mos !== null) {
        this.#mos.count++;
        this.#mos.min = Math.min(this.#mos.min, s.mos);
        this.#mos.sum += s.mos;
      }
    }
    if (call.node) {
      this.#bridged++;
      const n = (this.#node ??= { ...emptyNode(), loss: { endpoint: noLoss(), meet: noLoss() } });
      addNode(n, call.node);
      addLoss(n.loss.endpoint, call.node.loss.endpoint);
      addLoss(n.loss.meet, call.node.loss.meet);
    }
  }

  /** The group's figures, or null when no call was added. */
  summary(): MediaAggregate | null {
    if (this.#calls === 0) return null;
    const streams: MediaAggregate['streams'] = {};
    const sent = zero();
    const received = zero();
    let expected = 0;
    let lost = 0;
    let jitterMaxMs = 0;
    const all = new LatencyHistogram();
    for (const name of STREAM_NAMES) {
      const t = this.#streams.get(name);
      if (!t) continue;
      const s: StreamMediaAggregate = {
        calls: t.calls,
        sent: { ...t.sent },
        received: { ...t.received },
        expected: t.expected,
        lost: t.lost,
        lossPercent: lossPercent(t.expected, t.lost),
        jitterMaxMs: t.jitterMaxMs,
        rttMs: rtt(t.rtt.summary()),
        node: t.node && copyNode(t.node),
      };
      streams[name] = s;
      addCount(sent, t.sent);
      addCount(received, t.received);
      expected += t.expected;
      lost += t.lost;
      jitterMaxMs = Math.max(jitterMaxMs, t.jitterMaxMs);
      all.merge(t.rtt);
    }
    const m = this.#mos;
    const mos = m.count ? { count: m.count, min: m.min, mean: r3(m.sum / m.count) } : null;
    return {
      calls: this.#calls,
      bridgedCalls: this.#bridged,
      streams,
      sent,
      received,
      expected,
      lost,
      lossPercent: lossPercent(expected, lost),
      jitterMaxMs,
      rttMs: rtt(all.summary()),
      mos,
      node: this.#node && copyCallNode(this.#node),
    };
  }
}

/** The run's media: every call, the single calls and the load calls; null when no call carried media. */
export function mediaSummary(all: MediaAggregator, singles: MediaAggregator, load: MediaAggregator): MediaSummary | null {
  const a = all.summary();
  return a && { all: a, singles: singles.summary(), load: load.summary() };
}
