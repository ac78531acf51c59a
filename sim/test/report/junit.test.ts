import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/index.ts';
import { baseReport, busySample } from './report-fixtures.ts';
import { childrenNamed, parseXml, textOf, type XmlElement } from './xml-checker.ts';

function suites(root: XmlElement): Map<string, XmlElement> {
  return new Map(childrenNamed(root, 'testsuite').map((s) => [s.attrs['name']!, s]));
}

describe('xml-checker (the test oracle itself)', () => {
  it.each([
    ['<a>&</a>', /stray "&"/],
    ['<a><b></a>', /does not match/],
    ['<a>\u0001</a>', /not allowed in XML/],
    ['<a x=1/>', /unquoted attribute/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a>1 < 2</a>', /expected a name|raw "<"/],
    ['<a/><b/>', /second root/],
    ['<a>', /unclosed element/],
  ])('rejects %j', (src, message) => {
    expect(() => parseXml(src)).toThrow(message);
  });

  it('decodes entities and character references', () => {
    const root = parseXml('<?xml version="1.0"?><a t="x&#10;&quot;y">&lt;&amp;&gt;&#x41;&#66;</a>');
    expect(root.attrs['t']).toBe('x\n"y');
    expect(textOf(root)).toBe('<&>AB');
  });
});

describe('renderJunit', () => {
  it('has a suite of expectations and one of thresholds, with counts and failure messages', () => {
    const report = baseReport();
    const xml = renderJunit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '4', failures: '2', errors: '0', time: '61.234' });
    const bySuite = suites(root);
    expect([...bySuite.keys()]).toEqual(['expectations', 'thresholds']);

    const exp = bySuite.get('expectations')!;
    expect(exp.attrs).toMatchObject({ tests: '2', failures: '1', errors: '0', skipped: '0', timestamp: '2024-05-01T10:00:00.000' });
    const cases = childrenNamed(exp, 'testcase');
    expect(cases.map((c) => [c.attrs['name'], c.attrs['classname'], c.attrs['time']])).toEqual([
      ['open meeting', 'gwsim.report-test.expectations', '0.042'],
      ['full meeting', 'gwsim.report-test.expectations', '0.015'],
    ]);
    expect(childrenNamed(cases[0]!, 'failure')).toHaveLength(0);
    const [failure] = childrenNamed(cases[1]!, 'failure');
    expect(failure!.attrs['message']).toBe('486 Meeting is full');
    expect(failure!.attrs['type']).toBe('expected CONNECTED, got MEETING_FULL');
    // The sample named like the expectation is attached to it, as an ASCII ladder.
    const out = textOf(childrenNamed(cases[1]!, 'system-out')[0]!);
    expect(out).toContain('The node answered 486 Meeting is full');
    expect(out).toMatch(/\|<-+ SIP\/2\.0 486 Meeting is full -+\|/);

    const thr = bySuite.get('thresholds')!;
    expect(thr.attrs).toMatchObject({ tests: '2', failures: '1' });
    const tcases = childrenNamed(thr, 'testcase');
    expect(tcases.map((c) => c.attrs['name'])).toEqual(['setup_p95 < 300ms', 'asr >= 99.5%']);
    expect(childrenNamed(tcases[1]!, 'failure')[0]!.attrs['message']).toBe('asr was 97.1%, needed >= 99.5%');
    // The other sample goes to the thresholds suite's output.
    expect(textOf(childrenNamed(thr, 'system-out')[0]!)).toContain('guest denied <script>alert(1)</script> (DENIED, Call-ID denied-1@127.0.45.102)');
  });

  it('escapes everything, control characters included, and stays well-formed', () => {
    const nasty = 'a<b>&"\'\u0000\u0007\u001b]]>\ud800 end\ttab\r\nline';
    const report = baseReport({
      scenario: { name: `s"<&${nasty}`, file: null, description: null, seed: 1 },
      expectations: [{ name: nasty, expected: 'CONNECTED', got: 'ERROR', ok: false, detail: nasty, setupMs: Number.NaN }],
      thresholds: [{ expression: 'failed < 1', metric: 'failed', actual: 3, ok: false, detail: nasty }],
      samples: [{ ...busySample(), name: nasty, explanation: nasty }],
    });
    const xml = renderJunit(report);
    const root = parseXml(xml);
    const [tc] = childrenNamed(suites(root).get('expectations')!, 'testcase');
    const shown = 'a<b>&"\'\\x00\\x07\\x1b]]>\\ud800 end\ttab\r\nline';
    expect(tc!.attrs['name']).toBe(shown);
    expect(tc!.attrs['time']).toBe('0.000');
    expect(childrenNamed(tc!, 'failure')[0]!.attrs['message']).toBe(shown);
    expect(textOf(childrenNamed(tc!, 'failure')[0]!)).toContain(shown);
    expect([...xml].filter((c) => c < ' ' && c !== '\n' && c !== '\r' && c !== '\t')).toEqual([]);
  });

  it('an interrupted run adds a failing "run" suite; an empty run is still valid', () => {
    const interrupted = parseXml(renderJunit(baseReport({ interrupted: true })));
    const run = suites(interrupted).get('run')!;
    expect(run.attrs).toMatchObject({ tests: '1', failures: '1' });
    expect(childrenNamed(childrenNamed(run, 'testcase')[0]!, 'failure')[0]!.attrs['message']).toBe('the run was interrupted before it finished');
    expect(interrupted.attrs).toMatchObject({ tests: '5', failures: '3' });

    const empty = parseXml(renderJunit(baseReport({ ok: true, expectations: [], thresholds: [], samples: [], load: null })));
    expect(empty.attrs).toMatchObject({ tests: '0', failures: '0' });
    expect([...suites(empty).values()].map((s) => [s.attrs['name'], s.attrs['tests'], childrenNamed(s, 'testcase').length])).toEqual([
      ['expectations', '0', 0],
      ['thresholds', '0', 0],
    ]);
  });
});
