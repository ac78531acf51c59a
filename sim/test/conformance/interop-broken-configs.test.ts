import { describe, expect, it } from 'vitest';
import { BREAKAGES, CATALOGUE, runConformance, type ConformanceReport } from '../../src/conformance/index.ts';

/**
 * The suite can fail: against deliberately broken set-ups, exactly the cases that check the broken rule
 * fail — every other case still passes — and each failure says what was expected and what was seen.
 */
async function runBroken(breakage: string, block: string): Promise<ConformanceReport> {
  return runConformance({ block, breakages: [breakage] });
}

function failures(report: ConformanceReport): Map<string, string> {
  const errors = report.cases.filter((c) => c.status === 'error' || c.status === 'not_applicable').map((c) => `${c.id} ${c.status}: ${c.message}`);
  expect(errors).toEqual([]);
  return new Map(report.cases.filter((c) => c.status === 'fail').map((c) => [c.id, c.message]));
}

describe('the conformance suite against broken set-ups', () => {
  it('rules in the wrong priority order: exactly the registration → trusted cases fail', async () => {
    const report = await runBroken('rules-wrong-order', '127.0.57');
    expect(report).toMatchObject({ ok: false, target: { breakages: ['rules-wrong-order'] } });
    const failed = failures(report);
    expect([...failed.keys()]).toEqual(['GW-TRUST-001', 'GW-TRUST-002']);
    expect(failed.get('GW-TRUST-001')).toMatch(/^expected meeting media with no lobby media before it .*, saw media lobby → meeting/);
    expect(failed.get('GW-TRUST-002')).toMatch(/^expected a trusted participant "Boardroom" in the meeting at Meet, saw "Boardroom" in the lobby \(untrusted\)$/);
    const sample = report.cases.find((c) => c.id === 'GW-TRUST-001')!.samples[0];
    expect(sample?.ladder.some((m) => m.firstLine.startsWith('INVITE '))).toBe(true);
  }, 60_000);

  it('video-lock handling disabled: exactly the video-lock cases fail', async () => {
    const report = await runBroken('video-lock-ignored', '127.0.58');
    const failed = failures(report);
    expect([...failed.keys()]).toEqual(['GW-VLOCK-001', 'GW-VLOCK-002']);
    expect(failed.get('GW-VLOCK-001')).toMatch(/^expected 403 with Reason cause=403 text="Host has turned off video for participants" \(VIDEO_LOCKED\), saw 200 OK without a Reason header/);
    expect(failed.get('GW-VLOCK-002')).toMatch(/^expected a BYE from the gateway within \d+ ms of the lock with Reason cause=403 .*, saw the call still up$/);
  }, 60_000);

  it('an SRV record pointing at a dead node: exactly the DNS-routing cases fail', async () => {
    const report = await runBroken('srv-dead-node', '127.0.59');
    const failed = failures(report);
    const routing = CATALOGUE.filter((c) => c.tags.includes('dns-routing')).map((c) => c.id);
    expect([...failed.keys()].sort()).toEqual([...routing].sort());
    expect(routing).toEqual(['GW-DIAL-001', 'GW-DIAL-003', 'GW-DNS-001']);
    expect(failed.get('GW-DIAL-001')).toMatch(/^expected sip:\d{13}@vc\.example\.com answered by the first target DNS gave, saw no answer \(408 made up locally\) from px09\.vc\.example\.com \(udp:127\.0\.59\.250:5060\), then 200 OK from px0[12]/);
    expect(failed.get('GW-DIAL-003')).toMatch(/^expected sips:.* answered by the first target DNS gave, saw no answer \(503 made up locally\) from px09\.vc\.example\.com \(tls:127\.0\.59\.250:5061\)/);
    const dead = report.cases.find((c) => c.id === 'GW-DNS-001')!.samples.find((x) => x.name.includes('127.0.59.250'));
    expect(dead?.ladder.filter((m) => m.firstLine.startsWith('OPTIONS ')).length).toBeGreaterThan(1); // retransmitted, never answered
    expect(failed.get('GW-DNS-001')).toMatch(/^expected every SRV target of vc\.example\.com to answer SIP \(OPTIONS\), saw _sip\._udp → px09\.vc\.example\.com \(udp:127\.0\.59\.250:5060\): no answer within 3000 ms/);
  }, 60_000);

  it('knows only the breakages it has', async () => {
    expect(Object.keys(BREAKAGES)).toEqual(['rules-wrong-order', 'video-lock-ignored', 'srv-dead-node']);
    await expect(runConformance({ breakages: ['nope'] })).rejects.toThrow(/breakages\[0\]: unknown breakage "nope"/);
  });
});
