import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.ts';
import { relocatedDefault } from './support/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'gwsim-cli-'));
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

describe('gwsim CLI', () => {
  it('--help lists the commands and exits 0; an unknown command exits 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/gwsim run \[scenario\.yaml\]/);
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown command "frobnicate"');
  });

  it('runs the default scenario (relocated to 127.0.9.x) and exits 0 with every outcome in the summary', async () => {
    const r = await run(['run', file('default.yaml', relocatedDefault('127.0.9'))]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const outcome of ['CONNECTED', 'MEETING_NOT_FOUND', 'NO_MATCH', 'VIDEO_LOCKED', 'MEETING_ENDED', 'MEETING_FULL', 'KNOCK_DENIED', 'KNOCK_TIMEOUT', 'NOBODY_TO_ADMIT']) {
      expect(r.out).toMatch(new RegExp(`^  ${outcome} +\\d+$`, 'm'));
    }
    expect(r.out).toMatch(/^ {2}CONNECTED +3$/m);
    expect(r.out).toContain('PASS: every call ended as expected');
    expect(r.out).not.toMatch(/^FAIL/m);
  });

  it('exits 1 and says which call failed when an expectation is not met', async () => {
    const text = relocatedDefault('127.0.10', (t) => t.replace(/calls:[\s\S]*$/, 'calls:\n  - { name: wrong, from: boardroom, dial: "sip:9999999999999@vc.example.com", expect: CONNECTED }\n'));
    const r = await run(['run', file('wrong.yaml', text)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL wrong .*MEETING_NOT_FOUND \(expected CONNECTED\)/);
    expect(r.out).toContain('FAIL: 1 of 1 calls did not end as expected');
  });

  it('points at file:line:col and the field path for a bad scenario, and exits 2 without starting anything', async () => {
    const text = relocatedDefault('127.0.11', (t) => t.replace('meetingId: "1000000000002"', 'meetingId: "12345"'));
    const p = file('bad.yaml', text);
    const r = await run(['run', p]);
    expect(r.code).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('"12345"')) + 1;
    expect(r.err).toMatch(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: topology\\.meetings\\[1\\]\\.meetingId: must be a 13-digit meeting ID`));
  });

  it('rejects an unknown field with the list of allowed ones, and a call from an undeclared endpoint', async () => {
    const typo = await run(['run', file('typo.yaml', relocatedDefault('127.0.12', (t) => t.replace('knockTimeoutMs: 3000', 'knockTimeout: 3000')))]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/topology\.meet\.knockTimeout: unknown field \(allowed fields: address, port, knockTimeoutMs\)/);
    const who = await run(['run', file('who.yaml', relocatedDefault('127.0.13', (t) => t.replace('from: guest-room', 'from: nobody')))]);
    expect(who.code).toBe(2);
    expect(who.err).toMatch(/calls\[\d+\]\.from: no endpoint named "nobody" \(declared: boardroom, guest-room\)/);
  });

  it('names the rule and field of a bad routing rule', async () => {
    const text = relocatedDefault('127.0.14', (t) =>
      t.replace('  meetings:\n', '  routing:\n    rules:\n      - { priority: 10, name: broken, match_string: "(\\\\d{13}", called_device_type: gms_conference, gms_access_token: "example.com (trusted)" }\n  meetings:\n'),
    );
    const r = await run(['run', file('rule.yaml', text)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/topology\.routing\.rules\[0\].*match_string/);
  });
});
