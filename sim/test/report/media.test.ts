import { LatencyHistogram, type MediaSessionStats, type StreamStats } from '@gwsim/media';
import type { BridgeSnapshot, BridgeStreamStats } from '@gwsim/node';
import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThreshold, renderHtml } from '../../src/report/index.ts';
import { callMediaReport, MediaAggregator, mediaSummary } from '../../src/report/index.ts';
import type { CallMediaReport, MediaSummary } from '../../src/report/report-types.ts';
import { baseReport } from './report-fixtures.ts';
import { findAll, parseXml, textOf } from './xml-checker.ts';

/** Media in the report: a call's figures, groups of calls, thresholds over them and the HTML section — no network. */

function stream(name: 'audio' | 'video', o: { sent: number; received: number; expected: number; lost: number; jitterMs: number; rtt: number | null; mos?: number }): StreamStats {
  return {
    name,
    local: { address: '127.0.66.1', port: 40000 },
    remote: { address: '127.0.66.2', port: 40002 },
    ssrc: 1,
    streamId: 2,
    sent: { packets: o.sent, bytes: o.sent * 100, frames: o.sent },
    received: { packets: o.received, bytes: o.received * 100, expected: o.expected, lost: o.lost, lossPercent: (100 * o.lost) / o.expected, jitterMs: o.jitterMs, sources: 1, invalid: 0 },
    rtcp: { sent: 0, received: 0, parseErrors: 0, byes: 0, rtt: null, remoteReport: null },
    rtt: o.rtt === null ? null : { count: 10, minMs: o.rtt / 2, meanMs: o.rtt, p50Ms: o.rtt, p95Ms: o.rtt * 2, p99Ms: o.rtt * 3, maxMs: o.rtt * 4 },
    oneWay: null,
    origins: { 'meet-echo': o.received },
    quality: o.mos === undefined ? null : { r: 90, mos: o.mos, id: 0.5, ieEff: 0, codec: 'pcmu', oneWayDelayMs: 21 },
  };
}

function session(streams: StreamStats[]): MediaSessionStats {
  return { name: 's', mode: 'send', closed: true, streams: Object.fromEntries(streams.map((s) => [s.name, s])), totals: { sent: { packets: 0, bytes: 0 }, received: { packets: 0, bytes: 0, lost: 0 } } };
}

function bridgeStream(e2n: number, forwarded: number, local: number): BridgeStreamStats {
  const c = (packets: number) => ({ packets, bytes: packets * 100 });
  return { hops: { endpoint_to_node: c(e2n), node_to_meet: c(forwarded), meet_to_node: c(forwarded), node_to_endpoint: c(forwarded) }, loss: { endpoint: { expected: e2n, lost: 0 }, meet: { expected: forwarded, lost: 0 } }, held: e2n - forwarded, local: c(local) };
}

function bridge(streams: Record<string, BridgeStreamStats>): BridgeSnapshot {
  const sum = (pick: (s: BridgeStreamStats) => number) => Object.values(streams).reduce((n, s) => n + pick(s), 0);
  const hop = (h: 'endpoint_to_node' | 'node_to_meet' | 'meet_to_node' | 'node_to_endpoint') => ({ packets: sum((s) => s.hops[h].packets), bytes: sum((s) => s.hops[h].bytes) });
  return {
    mode: 'closed', peer: 'closed', content: 'none', streams,
    totals: { endpoint_to_node: hop('endpoint_to_node'), node_to_meet: hop('node_to_meet'), meet_to_node: hop('meet_to_node'), node_to_endpoint: hop('node_to_endpoint') },
    loss: { endpoint: { expected: sum((s) => s.loss.endpoint.expected), lost: 0 }, meet: { expected: sum((s) => s.loss.meet.expected), lost: 1 } },
  };
}

function histogram(...ms: number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of ms) h.record(v);
  return h;
}

describe('media in the report', () => {
  it('a bridged call: endpoint figures per stream, the node counters per stream and over the call', () => {
    const r = callMediaReport(session([stream('audio', { sent: 100, received: 90, expected: 80, lost: 2, jitterMs: 1.23456, rtt: 2, mos: 4.4123 }), stream('video', { sent: 300, received: 250, expected: 250, lost: 0, jitterMs: 3, rtt: 4 })]), bridge({ audio: bridgeStream(100, 80, 10), video: bridgeStream(300, 250, 0) }));
    expect(r.streams.map((s) => s.stream)).toEqual(['audio', 'video']);
    expect(r.streams[0]).toMatchObject({ accepted: true, sent: { packets: 100, bytes: 10_000 }, received: { packets: 90 }, expected: 80, lost: 2, lossPercent: 2.5, jitterMs: 1.235, mos: 4.412, rttMs: { count: 10, p50: 2, p95: 4, p99: 6, max: 8 } });
    expect(r.streams[0]!.node).toMatchObject({ held: 20, local: { packets: 10 }, hops: { node_to_meet: { packets: 80 } } });
    expect(r.node).toMatchObject({ held: 70, local: { packets: 10, bytes: 1000 }, hops: { endpoint_to_node: { packets: 400 }, node_to_endpoint: { packets: 330 } }, loss: { meet: { expected: 330, lost: 1 } } });
    const unbridged = callMediaReport(session([stream('audio', { sent: 5, received: 5, expected: 5, lost: 0, jitterMs: 0, rtt: null, mos: 4.4 })]), null);
    expect(unbridged.node).toBeNull();
    expect(unbridged.streams[0]!.rttMs).toBeNull();
  });

  it('a group of calls: sums, loss over everything, RTT percentiles of every probe (merged), MOS min/mean, bridged counts', () => {
    const a = callMediaReport(session([stream('audio', { sent: 100, received: 100, expected: 100, lost: 0, jitterMs: 1, rtt: 1, mos: 4.4 })]), bridge({ audio: bridgeStream(100, 90, 5) }));
    const b = callMediaReport(session([stream('audio', { sent: 100, received: 98, expected: 100, lost: 2, jitterMs: 5, rtt: 9, mos: 4.0 })]), null);
    const all = new MediaAggregator();
    const singles = new MediaAggregator();
    const load = new MediaAggregator();
    for (const [call, rtts, group] of [[a, [1, 1, 1, 1], singles], [b, [9, 9, 9, 9, 9, 9], singles]] as Array<[CallMediaReport, number[], MediaAggregator]>) {
      for (const m of [group, all]) m.add(call, (s) => (s === 'audio' ? histogram(...rtts) : null));
    }
    const summary = mediaSummary(all, singles, load)!;
    expect(summary.load).toBeNull();
    expect(summary.all).toMatchObject({ calls: 2, bridgedCalls: 1, sent: { packets: 200 }, received: { packets: 198 }, expected: 200, lost: 2, lossPercent: 1, jitterMaxMs: 5, mos: { count: 2, min: 4, mean: 4.2 } });
    expect(summary.all.rttMs!.count).toBe(10);
    expect(summary.all.rttMs!.p50).toBeCloseTo(9, 0); // 6 of the 10 probes took 9 ms: the merged median, not the mean of medians
    expect(summary.all.node).toMatchObject({ held: 10, hops: { node_to_meet: { packets: 90 } } });
    expect(summary.all.streams.audio).toMatchObject({ calls: 2, node: { held: 10 } });
    expect(mediaSummary(new MediaAggregator(), new MediaAggregator(), new MediaAggregator())).toBeNull();
  });

  it('thresholds media_loss, rtt_p95, jitter_max, mos_min read every measured call; a run without media fails them, saying why', () => {
    const call = callMediaReport(session([stream('audio', { sent: 100, received: 99, expected: 100, lost: 1, jitterMs: 2, rtt: 3, mos: 4.3 })]), null);
    const agg = new MediaAggregator();
    agg.add(call, () => histogram(3, 3, 3));
    const media: MediaSummary = { all: agg.summary()!, singles: agg.summary(), load: null };
    const list = ['media_loss < 0.5%', 'media_loss <= 1', 'rtt_p95 < 10ms', 'jitter_max < 5ms', 'mos_min >= 4', 'mos_mean > 4.5'].map((e) => ({ expression: e, threshold: parseThreshold(e, 'thresholds[0]') }));
    expect(list[4]!.threshold).toMatchObject({ unit: 'mos', needsLoad: false });
    const results = evaluateThresholds(list, { load: null, expectations: [], media });
    expect(results.map((r) => r.ok)).toEqual([false, true, true, true, true, false]);
    expect(results[0]!.detail).toBe('media_loss was 1%, needed < 0.5%');
    expect(results[4]!.detail).toBe('mos_min was 4.3 (>= 4)');
    const none = evaluateThresholds(list.slice(2, 3), { load: null, expectations: [], media: null });
    expect(none[0]).toMatchObject({ ok: false, actual: null });
    expect(none[0]!.detail).toMatch(/no call measured media/);
    const noEcho = new MediaAggregator();
    noEcho.add(call, () => null);
    expect(evaluateThresholds(list.slice(2, 3), { load: null, expectations: [], media: { all: noEcho.summary()!, singles: null, load: null } })[0]!.detail).toMatch(/no probe came back/);
    expect(() => parseThreshold('mos_min >= 4%', 'thresholds[1]')).toThrow(/unit "%" is not allowed for mos_min; use no unit \(a MOS, 1 to 4.5\)/);
  });

  it('report.html: a media section with the summary, streams, hops (table and chart) and the single calls; a note without media', () => {
    const call = callMediaReport(session([stream('audio', { sent: 100, received: 90, expected: 90, lost: 0, jitterMs: 1, rtt: 2, mos: 4.4 }), stream('video', { sent: 300, received: 250, expected: 250, lost: 0, jitterMs: 3, rtt: 4 })]), bridge({ audio: bridgeStream(100, 80, 10), video: bridgeStream(300, 250, 0) }));
    const agg = new MediaAggregator();
    agg.add(call, () => histogram(2, 3));
    const report = baseReport({ media: { all: agg.summary()!, singles: agg.summary(), load: null } });
    report.expectations[0]!.media = call;
    const root = parseXml(renderHtml(report));
    const table = (name: string) => findAll(root, (e) => e.attrs['data-table'] === name)[0]!;
    const rows = (name: string) => findAll(table(name), (e) => e.name === 'tr').length;
    expect(rows('media-summary')).toBe(1 + 2); // single calls, all
    expect(rows('media-streams')).toBe(1 + 2);
    expect(rows('media-hops')).toBe(1 + 4 + 2);
    expect(rows('media-calls')).toBe(1 + 2);
    expect(textOf(table('media-calls'))).toContain('open meeting');
    const chart = findAll(root, (e) => e.attrs['data-chart'] === 'media-hops')[0]!;
    expect(findAll(chart, (e) => e.attrs['class'] === 'series').map((e) => e.attrs['data-series'])).toHaveLength(4 * 2);
    const without = parseXml(renderHtml(baseReport()));
    expect(textOf(without)).toContain('No call measured media');
    expect(findAll(without, (e) => e.attrs['data-table'] === 'media-summary')).toHaveLength(0);
  });
});
