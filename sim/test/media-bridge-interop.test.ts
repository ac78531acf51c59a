import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, relocateScenarioText } from '../src/index.ts';
import type { MediaAggregate, Report } from '../src/report/report-types.ts';
import { findAll, parseXml } from './report/xml-checker.ts';

/**
 * `gwsim run fixtures/scenarios/media-bridge.yaml`, moved to 127.0.66.x: audio + video + content through a
 * bridging node to the Meet mock and back, for a trusted call, an untrusted call admitted from the lobby,
 * and three load calls. The run passes its media thresholds; report.json has packets at every hop, no
 * loss, a round trip and a MOS, per call and in aggregate; report.html has the media section.
 */
const FIXTURE = fileURLToPath(new URL('../../fixtures/scenarios/media-bridge.yaml', import.meta.url));
const HOPS = ['endpoint_to_node', 'node_to_meet', 'meet_to_node', 'node_to_endpoint'] as const;

function expectCarried(a: MediaAggregate, calls: number): void {
  expect(a.calls).toBe(calls);
  expect(a.bridgedCalls).toBe(calls);
  for (const hop of HOPS) expect(a.node!.hops[hop].packets, hop).toBeGreaterThan(0);
  for (const name of ['audio', 'video', 'content'] as const) {
    const s = a.streams[name]!;
    expect(s.calls, name).toBe(calls);
    for (const hop of HOPS) expect(s.node!.hops[hop].packets, `${name} ${hop}`).toBeGreaterThan(0);
    expect(s.lost, name).toBe(0);
    expect(s.rttMs!.count, name).toBeGreaterThan(0);
  }
  expect(a.lossPercent).toBe(0);
  expect(a.node!.loss.endpoint.lost + a.node!.loss.meet.lost).toBe(0);
  expect(a.rttMs!.p95).toBeGreaterThan(0);
  expect(a.mos!.count).toBe(calls);
  expect(a.mos!.min).toBeGreaterThan(4);
}

describe('the media-bridge scenario', () => {
  it('passes through the CLI: media at every hop, no loss, RTT and MOS in report.json, a media section in report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-media-'));
    const file = join(dir, 'media-bridge.yaml');
    writeFileSync(file, relocateScenarioText(readFileSync(FIXTURE, 'utf8'), '127.0.66'));
    let out = '';
    let err = '';
    const code = await main(['run', file, '--out', join(dir, 'report')], (s) => (out += s + '\n'), (s) => (err += s + '\n'));
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toMatch(/^media: 5 calls \(5 bridged\), \d+ packets sent, \d+ received, loss 0%/m);
    expect(out).toContain('PASS: every call ended as expected and every threshold held');

    const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as Report;
    expect(report.thresholds.map((t) => [t.metric, t.ok])).toEqual([['expectations_failed', true], ['success_rate', true], ['media_loss', true], ['rtt_p95', true], ['mos_min', true]]);
    expectCarried(report.media!.singles!, 2);
    expectCarried(report.media!.load!, 3);
    expectCarried(report.media!.all, 5);
    for (const e of report.expectations) {
      const m = e.media!;
      expect(m.streams.map((s) => [s.stream, s.accepted]), e.name).toEqual([['audio', true], ['video', true], ['content', true]]);
      for (const s of m.streams) {
        for (const hop of HOPS) expect(s.node!.hops[hop].packets, `${e.name} ${s.stream} ${hop}`).toBeGreaterThan(0);
        expect(s.received.packets, `${e.name} ${s.stream}`).toBeGreaterThan(0);
        expect(s.lost).toBe(0);
        expect(s.rttMs!.count).toBeGreaterThan(0);
        expect(s.origins['meet-echo']).toBeGreaterThan(0);
      }
      expect(m.streams[0]!.mos).toBeGreaterThan(4);
    }
    // the guest waited in the lobby, hearing the node's own media; the registered room went straight in
    const [trusted, untrusted] = report.expectations;
    expect(untrusted!.media!.streams[0]!.origins['node-lobby']).toBeGreaterThan(0);
    expect(untrusted!.media!.node!.local.packets).toBe(untrusted!.media!.streams[0]!.origins['node-lobby']);
    expect(trusted!.media!.streams[0]!.origins['node-lobby']).toBeUndefined();

    const html = parseXml(readFileSync(join(dir, 'report', 'report.html'), 'utf8'));
    for (const t of ['media-summary', 'media-streams', 'media-hops', 'media-calls']) expect(findAll(html, (e) => e.attrs['data-table'] === t), t).toHaveLength(1);
    expect(findAll(html, (e) => e.attrs['data-chart'] === 'media-hops')).toHaveLength(1);
    expect(findAll(html, (e) => e.name === 'script' || 'src' in e.attrs || 'href' in e.attrs)).toHaveLength(0);
  }, 60_000);
});
