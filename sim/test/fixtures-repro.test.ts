import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@gwsim/common';
import { OUTCOMES } from '@gwsim/node';
import { describe, expect, it } from 'vitest';
import { main, parseScenario, reproCall, relocateScenarioText } from '../src/index.ts';

/**
 * Every repro fixture (one per join failure of DOMAIN.md §5) through the `gwsim repro` code path, on
 * 127.0.47.x, one at a time: the call ends with the outcome its file is named after, and the ladder and
 * explanation say so.
 */
const BLOCK = '127.0.47';
const REPRO_DIR = fileURLToPath(new URL('../../fixtures/scenarios/repro/', import.meta.url));

/** What each fixture must reproduce: the outcome, and how the caller sees it (refusal or BYE after 200). */
const EXPECTED: Record<string, { outcome: string; status: number; bye: boolean }> = {
  'no-rule': { outcome: 'NO_MATCH', status: 404, bye: false },
  'token-revoked': { outcome: 'TOKEN_INVALID', status: 403, bye: false },
  'token-unknown': { outcome: 'TOKEN_INVALID', status: 403, bye: false },
  'interop-off': { outcome: 'INTEROP_DISABLED', status: 403, bye: false },
  'out-of-scope': { outcome: 'OUT_OF_SCOPE', status: 403, bye: false },
  'meeting-unknown': { outcome: 'MEETING_NOT_FOUND', status: 404, bye: false },
  'meeting-ended': { outcome: 'MEETING_ENDED', status: 404, bye: false },
  'meeting-ended-mid-call': { outcome: 'MEETING_ENDED', status: 200, bye: true },
  'video-locked': { outcome: 'VIDEO_LOCKED', status: 403, bye: false },
  'video-locked-mid-call': { outcome: 'VIDEO_LOCKED', status: 200, bye: true },
  'meeting-full': { outcome: 'MEETING_FULL', status: 486, bye: false },
  'knock-denied': { outcome: 'KNOCK_DENIED', status: 200, bye: true },
  'knock-timeout': { outcome: 'KNOCK_TIMEOUT', status: 200, bye: true },
  'nobody-to-admit': { outcome: 'NOBODY_TO_ADMIT', status: 200, bye: true },
  'node-capacity': { outcome: 'NODE_CAPACITY', status: 503, bye: false },
  'meet-unreachable': { outcome: 'MEET_UNAVAILABLE', status: 503, bye: false },
};

const files = readdirSync(REPRO_DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('repro fixtures', () => {
  it('there is exactly one fixture per listed join failure, and each says what it expects', () => {
    expect(files.map((f) => f.replace(/\.yaml$/, '')).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const f of files) {
      const loaded = parseScenario(readFileSync(join(REPRO_DIR, f), 'utf8'), f);
      expect(loaded.scenario.calls?.[0]?.expect, f).toBe(EXPECTED[f.replace(/\.yaml$/, '')]!.outcome);
    }
  });

  it.each(files)('%s reproduces its outcome, with a ladder and an explanation', async (f) => {
    const want = EXPECTED[f.replace(/\.yaml$/, '')]!;
    const loaded = parseScenario(relocateScenarioText(readFileSync(join(REPRO_DIR, f), 'utf8'), BLOCK), f);
    const r = await reproCall(loaded, { logger: silentLogger });
    expect(r.record.outcome).toBe(want.outcome);
    expect(r.ok).toBe(true);
    expect(r.record.status).toBe(want.status);
    const lines = r.ladder.map((e) => e.firstLine);
    expect(lines.some((l) => l.startsWith('INVITE sip:'))).toBe(true);
    const o = OUTCOMES[want.outcome as keyof typeof OUTCOMES];
    if (want.bye) {
      expect(r.record.byeReason).toBe(`SIP;cause=${o.cause};text="${o.reason}"`);
      expect(lines.some((l) => l.startsWith('BYE sip:'))).toBe(true);
      expect(r.explanation).toMatch(/^The node answered the call \(200 OK\).*then ended it with BYE \(Reason: SIP;cause=\d+/);
    } else {
      expect(lines).toContain(`SIP/2.0 ${o.status} ${o.reason}`);
      expect(r.explanation).toMatch(new RegExp(`^The node refused the call with ${o.status} [A-Za-z ]+ \\(Reason: SIP;cause=${o.cause};text=`));
    }
  }, 30_000);

  it('gwsim repro prints the ladder and the explanation and exits 0; --call picks a call; an unknown one exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-repro-'));
    const p = join(dir, 'video-locked.yaml');
    writeFileSync(p, relocateScenarioText(readFileSync(join(REPRO_DIR, 'video-locked.yaml'), 'utf8'), BLOCK));
    let out = '';
    let err = '';
    const code = await main(['repro', p, '--call', 'video-locked'], (s) => (out += s + '\n'), (s) => (err += s + '\n'));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^call "video-locked": room dials sip:1000000000001@vc\.example\.com \(Call-ID \S+\)/);
    expect(out).toMatch(/127\.0\.47\.201:\d+ +127\.0\.47\.111:5060/);
    expect(out).toMatch(/\|-+ INVITE sip:1000000000001@vc\.example\.com SIP\/2\.0 -+>\|/);
    expect(out).toMatch(/\|<-+ SIP\/2\.0 403 Host has turned off video for participants -+\|/);
    expect(out).toContain('outcome: VIDEO_LOCKED (as expected)');
    expect(out).toContain("why: The node refused the call with 403 Forbidden (Reason: SIP;cause=403;text=\"Host has turned off video for participants\") because the meeting host has 'Turn on their video' switched off: VTCs cannot join");
    let err2 = '';
    expect(await main(['repro', p, '--call', 'nope'], () => {}, (s) => (err2 += s))).toBe(2);
    expect(err2).toContain('no call named "nope" in the scenario (calls: video-locked)');
  });

  it('gwsim repro exits 1 when the call does not end as the scenario expects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-repro-'));
    const p = join(dir, 'wrong.yaml');
    writeFileSync(p, relocateScenarioText(readFileSync(join(REPRO_DIR, 'meeting-full.yaml'), 'utf8'), BLOCK).replace('expect: MEETING_FULL', 'expect: CONNECTED'));
    let out = '';
    expect(await main(['repro', p], (s) => (out += s + '\n'), () => {})).toBe(1);
    expect(out).toContain('outcome: MEETING_FULL (expected CONNECTED)');
    expect(out).toContain('why: Expected CONNECTED, got MEETING_FULL. The node refused the call with 486 Busy Here');
  });
});
