import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, main, relocateScenarioText } from '../src/index.ts';
import type { Report } from '../src/report/report-types.ts';

/** Every run here uses 127.0.46.x (one test at a time in this file, so the block is free between tests). */
const BLOCK = '127.0.46';
const dir = mkdtempSync(join(tmpdir(), 'gwsim-cli-'));
const defaultText = relocateScenarioText(readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8'), BLOCK);
/** The default scenario without its load and thresholds, with `calls:` replaced by `calls`. */
const withCalls = (calls: string[], tail = '') => defaultText.replace(/calls:[\s\S]*$/, ['calls:', ...calls, tail].join('\n'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (s) => (out += s + '\n'), (s) => (err += s + '\n'));
  return { code, out, err };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('gwsim CLI: usage', () => {
  it('--help documents every command, option and exit code; an unknown command or misplaced option exits 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const s of ['gwsim run [scenario.yaml]', 'gwsim validate <scenario.yaml>', 'gwsim up [scenario.yaml]', 'gwsim repro <scenario.yaml> [--call name]', '--out <dir>', '--json', '--log-level', 'Exit codes:']) {
      expect(help.out).toContain(s);
    }
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown command "frobnicate"');
    const misplaced = await run(['validate', 'x.yaml', '--call', 'a']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toContain('--call is not an option of this command');
    const noFile = await run(['repro']);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain('which scenario file?');
  });
});

describe('gwsim validate', () => {
  it('accepts the default scenario (exit 0) and says what it holds', async () => {
    const r = await run(['validate', fileURLToPath(DEFAULT_SCENARIO)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/valid — scenario "default": 4 nodes, 11 meetings, 2 endpoints, 18 calls, load 15 s, constant 3\/s; mix: .*3 thresholds/);
  });

  it('points at file:line:col and the field path for a bad field, and exits 2', async () => {
    const text = defaultText.replace('meetingId: "1000000000002"', 'meetingId: "12345"');
    const p = file('bad.yaml', text);
    const r = await run(['validate', p]);
    expect(r.code).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('"12345"')) + 1;
    expect(r.err).toMatch(new RegExp(`${escape(p)}:${line}:\\d+: topology\\.meetings\\[1\\]\\.meetingId: must be a 13-digit meeting ID`));
  });

  it('a threshold typo is an error at its own line, with the metrics allowed', async () => {
    const text = defaultText.replace('"success_rate >= 95%"', '"sucess_rate >= 95%"');
    const p = file('threshold.yaml', text);
    const r = await run(['validate', p]);
    expect(r.code).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('sucess_rate')) + 1;
    expect(r.err).toMatch(new RegExp(`${escape(p)}:${line}:5: thresholds\\[1\\]: .*unknown metric "sucess_rate"; allowed: setup_p50, .*success_rate`));
  });

  it('a load mix entry naming an undeclared meeting or endpoint is an error at that entry', async () => {
    const label = await run(['validate', file('label.yaml', defaultText.replace('"sip:{meeting:denies}@vc.example.com"', '"sip:{meeting:denied}@vc.example.com"'))]);
    expect(label.code).toBe(2);
    expect(label.err).toMatch(/:\d+:\d+: load\.mix\[8\]\.dial: \{meeting:denied\} names no meeting \(labels: open, video-locked, ended, full, denies, ignores, empty, locks-mid-call, ends-mid-call, contractor, partner\)/);
    const from = await run(['validate', file('from.yaml', defaultText.replace('{ name: nobody, weight: 5, from: guest-room', '{ name: nobody, weight: 5, from: lobby'))]);
    expect(from.code).toBe(2);
    expect(from.err).toMatch(/load\.mix\[10\]\.from: no endpoint named "lobby" \(declared: boardroom, guest-room\)/);
  });

  it('rejects an unknown field with the list of allowed ones, a call from an undeclared endpoint, and a bad routing rule', async () => {
    const typo = await run(['validate', file('typo.yaml', defaultText.replace('knockTimeoutMs: 3000', 'knockTimeout: 3000'))]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/topology\.meet\.knockTimeout: unknown field \(allowed fields: address, port, knockTimeoutMs, enforceVideoLock\)/);
    const who = await run(['validate', file('who.yaml', defaultText.replace('from: guest-room, dial: "sip:1000000000005', 'from: nobody, dial: "sip:1000000000005'))]);
    expect(who.code).toBe(2);
    expect(who.err).toMatch(/calls\[\d+\]\.from: no endpoint named "nobody" \(declared: boardroom, guest-room\)/);
    const rule = await run([
      'validate',
      file('rule.yaml', defaultText.replace(/ {4}rules:\n[\s\S]*?\n(?= {2}meetings:)/, '    rules:\n      - { priority: 10, name: broken, match_string: "(\\\\d{13}", called_device_type: gms_conference, gms_access_token: "example.com (trusted)" }\n')),
    ]);
    expect(rule.code).toBe(2);
    expect(rule.err).toMatch(/topology\.routing\.rules\[0\].*match_string/);
  });

  it('a file that does not exist or is not YAML exits 2 with the reason', async () => {
    const missing = await run(['validate', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read scenario .*nope\.yaml/);
    const broken = await run(['validate', file('broken.yaml', 'name: x\n  topology: [\n')]);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/broken\.yaml:\d+:\d+: YAML: /);
  });
});

describe('gwsim run', () => {
  it('a bad scenario exits 2 without starting anything or writing reports', async () => {
    const out = join(dir, 'never');
    const r = await run(['run', file('bad-run.yaml', defaultText.replace('port: 8443', 'port: 70000')), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-run\.yaml:\d+:\d+: topology\.meet\.port: must be an integer from 0 to 65535/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 when a call is not as expected, says which, and writes report.json, junit.xml and report.html with a sample ladder', async () => {
    const out = join(dir, 'wrong-report');
    const p = file('wrong.yaml', withCalls(['  - { name: wrong, from: boardroom, dial: "sip:9999999999999@vc.example.com", expect: CONNECTED }', '  - { name: right, from: boardroom, dial: "sip:alice@vc.example.com", expect: NO_MATCH }']));
    const r = await run(['run', p, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL wrong .*MEETING_NOT_FOUND \(expected CONNECTED\)/);
    expect(r.out).toMatch(/ok {3}right .*NO_MATCH/);
    expect(r.out).toContain('FAIL: 1 of 2 calls did not end as expected');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report).toMatchObject({ ok: false, interrupted: false, load: null, scenario: { name: 'default', file: p, seed: 1 } });
    expect(report.expectations.map((e) => [e.name, e.expected, e.got, e.ok])).toEqual([
      ['wrong', 'CONNECTED', 'MEETING_NOT_FOUND', false],
      ['right', 'NO_MATCH', 'NO_MATCH', true],
    ]);
    // The failed call, and the expected refusal kept as the example of NO_MATCH.
    expect(report.samples.map((x) => [x.name, x.outcome, x.expected])).toEqual([
      ['wrong', 'MEETING_NOT_FOUND', false],
      ['right', 'NO_MATCH', true],
    ]);
    const sample = report.samples[0]!;
    expect(sample.explanation).toMatch(/^Expected CONNECTED, got MEETING_NOT_FOUND\. The node refused the call with 404 Not Found \(Reason: SIP;cause=404;text="Meeting not found"\) because Meet has no meeting/);
    expect(sample.ladder.map((e) => e.firstLine)).toContain('SIP/2.0 404 Meeting not found');
    expect(sample.callId).not.toBe('');
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="[^"]*" tests="2" failures="1"/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('wrong');
  });

  it('a failing threshold exits 1 even when every call is as expected; --json prints the report', async () => {
    const out = join(dir, 'threshold-report');
    const load = ['load:', '  stages: [{ kind: constant, rate: 4, durationMs: 1000 }]', '  hold: { kind: fixed, ms: 200 }', '  drainMs: 5000', '  mix:', '    - { name: nf, weight: 1, from: boardroom, dial: "sip:1999999999999@vc.example.com", expect: MEETING_NOT_FOUND }', 'thresholds: ["attempted >= 1000", "outcomes.MEETING_NOT_FOUND >= 1"]', ''].join('\n');
    const p = file('threshold-run.yaml', withCalls(['  - { name: nf, from: boardroom, dial: "sip:1999999999999@vc.example.com", expect: MEETING_NOT_FOUND }'], load));
    const r = await run(['run', p, '--out', out, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as Report;
    expect(report.expectations.every((e) => e.ok)).toBe(true);
    expect(report.load!.attempted).toBeGreaterThanOrEqual(3);
    expect(report.load!.outcomes.MEETING_NOT_FOUND).toBe(report.load!.attempted);
    expect(report.thresholds.map((t) => [t.expression, t.ok])).toEqual([
      ['attempted >= 1000', false],
      ['outcomes.MEETING_NOT_FOUND >= 1', true],
    ]);
    expect(report.thresholds[0]!.detail).toMatch(/attempted was \d+, needed >= 1000/);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
  });
});
