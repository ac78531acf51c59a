import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/index.ts';
import { baseReport, busySample, deniedSample, realisticLoad } from './report-fixtures.ts';
import { findAll, parseXml, textOf, type XmlElement } from './xml-checker.ts';

const CHARTS = ['calls-per-second', 'active-calls', 'setup-latency', 'outcomes'];

function page(html: string): XmlElement {
  expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
  return parseXml(html);
}

const byAttr = (root: XmlElement, name: string, value?: string): XmlElement[] => findAll(root, (e) => (value === undefined ? name in e.attrs : e.attrs[name] === value));

describe('renderHtml', () => {
  it('is one well-formed page with verdict, tables, load summary, four charts with plotted series, and ladders', () => {
    const root = page(renderHtml(baseReport()));
    expect(byAttr(root, 'data-verdict')[0]!.attrs['data-verdict']).toBe('fail');
    const exp = byAttr(root, 'data-table', 'expectations')[0]!;
    expect(findAll(exp, (e) => e.name === 'tr').length).toBe(1 + 2);
    expect(findAll(exp, (e) => e.name === 'tr' && e.attrs['class'] === 'fail').map((tr) => textOf(tr))).toEqual(['full meetingCONNECTEDMEETING_FULLFAIL14.9486 Meeting is full']);
    expect(findAll(byAttr(root, 'data-table', 'thresholds')[0]!, (e) => e.name === 'tr').length).toBe(1 + 2);
    expect(textOf(byAttr(root, 'data-table', 'outcomes')[0]!)).toContain('MEETING_FULL');
    expect(textOf(byAttr(root, 'data-table', 'failures')[0]!)).toContain('unexpected_response:486');
    expect(textOf(byAttr(root, 'data-table', 'percentiles')[0]!)).toContain('post-dial delay');

    for (const id of CHARTS) {
      const [svg, ...more] = byAttr(root, 'data-chart', id);
      expect(more, id).toHaveLength(0);
      expect(svg!.name).toBe('svg');
      const paths = findAll(svg!, (e) => e.name === 'path' && e.attrs['class'] === 'series');
      expect(paths.length, id).toBeGreaterThan(0);
      for (const p of paths) expect(p.attrs['d']!.length, id).toBeGreaterThan(10);
      expect(findAll(svg!, (e) => e.attrs['class'] === 'axis')).toHaveLength(2);
      expect(findAll(svg!, (e) => e.attrs['class'] === 'label').map(textOf)[0]).toBe('time (s)');
    }
    const cps = byAttr(root, 'data-chart', 'calls-per-second')[0]!;
    expect(byAttr(cps, 'data-series').map((g) => g.attrs['data-series'])).toEqual(['started', 'succeeded', 'failed']);
    // 60 one-second points → a line of 60 vertices.
    const started = byAttr(cps, 'data-series', 'started')[0]!;
    expect(findAll(started, (e) => e.name === 'path')[0]!.attrs['d']!.split(/[ML]/).filter((s) => s.trim()).length).toBe(60);
    const outcomes = byAttr(root, 'data-chart', 'outcomes')[0]!;
    expect(byAttr(outcomes, 'data-series').map((p) => p.attrs['data-series']).sort()).toEqual(['CONNECTED', 'MEETING_FULL', 'NO_RESPONSE']);

    const busy = byAttr(root, 'data-ladder', busySample().callId)[0]!;
    expect(busy.name).toBe('svg');
    expect(findAll(busy, (e) => e.attrs['class'] === 'lifeline')).toHaveLength(2);
    const arrows = findAll(busy, (e) => e.attrs['class'] === 'arrow');
    expect(arrows).toHaveLength(4);
    expect(arrows.map((a) => findAll(a, (e) => e.name === 'text').map(textOf))).toEqual([
      ['INVITE sip:1000000000004@vc.example.com SIP/2.0', '0.0 ms'],
      ['SIP/2.0 100 Trying', '1.5 ms'],
      ['SIP/2.0 486 Meeting is full', 'Reason: SIP;cause=486;text="Meeting is full"', '14.2 ms'],
      ['ACK sip:1000000000004@vc.example.com SIP/2.0', '14.9 ms'],
    ]);
    // The whole message is in the arrow's hover title.
    expect(textOf(findAll(arrows[2]!, (e) => e.name === 'title')[0]!)).toMatch(/^14\.2 ms 127\.0\.45\.11:5060 → 127\.0\.45\.101:5060 \(udp, delivered after 0\.2 ms\)\n\nSIP\/2\.0 486 Meeting is full\r\n/);
    expect(arrows[0]!.attrs).toMatchObject({ 'data-from': '127.0.45.101:5060', 'data-to': '127.0.45.11:5060' });
    expect(findAll(byAttr(root, 'data-ladder', deniedSample().callId)[0]!, (e) => e.attrs['class'] === 'arrow')).toHaveLength(5);
  });

  it('escapes SIP text: no element or attribute comes from a message', () => {
    const html = renderHtml(baseReport());
    const root = page(html);
    expect(findAll(root, (e) => e.name === 'script' || e.name === 'img')).toHaveLength(0);
    expect(findAll(root, (e) => Object.keys(e.attrs).some((a) => a.startsWith('on')))).toHaveLength(0);
    expect(textOf(root)).toContain('guest denied <script>alert(1)</script>');
    expect(textOf(root)).toContain('text="<img src=x onerror=alert(1)>"');
  });

  it('makes no external requests: a strict CSP, no src/href to anything', () => {
    const root = page(renderHtml(baseReport()));
    const csp = findAll(root, (e) => e.name === 'meta' && e.attrs['http-equiv'] === 'Content-Security-Policy')[0]!;
    expect(csp.attrs['content']).toMatch(/^default-src 'none';/);
    expect(findAll(root, (e) => 'src' in e.attrs || 'href' in e.attrs || e.name === 'link' || e.name === 'iframe')).toHaveLength(0);
  });

  it('renders a run without load (single calls only), and a load run with an empty timeline', () => {
    const single = page(renderHtml(baseReport({ ok: true, load: null, thresholds: [], samples: [busySample()] })));
    expect(byAttr(single, 'data-verdict')[0]!.attrs['data-verdict']).toBe('pass');
    expect(byAttr(single, 'data-chart')).toHaveLength(0);
    expect(textOf(single)).toContain('This run had no load section.');
    expect(textOf(single)).toContain('No thresholds were set.');
    expect(byAttr(single, 'data-ladder')).toHaveLength(1);

    const emptyTimeline = page(renderHtml(baseReport({ load: realisticLoad([]), samples: [] })));
    const charts = byAttr(emptyTimeline, 'data-chart');
    expect(charts.map((c) => c.attrs['data-chart'])).toEqual(CHARTS);
    for (const c of charts) {
      expect(findAll(c, (e) => e.attrs['class'] === 'series')).toHaveLength(0);
      expect(findAll(c, (e) => e.attrs['class'] === 'nodata').map(textOf)).toEqual(['no data']);
    }
    expect(byAttr(emptyTimeline, 'data-ladder')).toHaveLength(0);
  });

  it('a one-point timeline still plots (a visible dot for lines, a bar for outcomes); latency gaps where nothing finished', () => {
    const [first] = realisticLoad().timeline.slice(20);
    const root = page(renderHtml(baseReport({ load: realisticLoad([first!, { ...first!, t: 1000, setupP50: 0, setupP95: 0, setupP99: 0 }, { ...first!, t: 2000 }]) })));
    const latency = byAttr(root, 'data-chart', 'setup-latency')[0]!;
    const p50 = byAttr(latency, 'data-series', 'p50')[0]!;
    expect(findAll(p50, (e) => e.name === 'path')[0]!.attrs['d']!.match(/M/g)).toHaveLength(2);
    expect(findAll(p50, (e) => e.name === 'circle')).toHaveLength(2);
    const one = page(renderHtml(baseReport({ load: realisticLoad([first!]) })));
    expect(findAll(byAttr(one, 'data-chart', 'outcomes')[0]!, (e) => e.attrs['class'] === 'series').length).toBeGreaterThan(0);
    expect(findAll(byAttr(one, 'data-chart', 'active-calls')[0]!, (e) => e.name === 'circle')).toHaveLength(1);
  });

  it('a sample with no recorded messages says so', () => {
    const root = page(renderHtml(baseReport({ samples: [{ ...busySample(), ladder: [] }] })));
    const [note] = byAttr(root, 'data-ladder', busySample().callId);
    expect(note!.name).toBe('p');
    expect(textOf(note!)).toBe('No SIP messages were recorded for this call.');
  });
});
