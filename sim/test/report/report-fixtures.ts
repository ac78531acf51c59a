/**
 * Report fixtures for the report tests: a realistic load timeline (ramp up, steady state with a burst of
 * failures, drain) and failed-call samples whose ladders look like what the trace channel records when
 * caller and node share one process (every message traced as sent and as received).
 */
import type { CallSample, LadderEntry, LoadSummary, Percentiles, Report, TimelinePoint } from '../../src/report/index.ts';

const CALLER = '127.0.45.101:5060';
const NODE = '127.0.45.11:5060';

function percentiles(p50: number, count: number): Percentiles {
  return { count, min: p50 / 3, mean: p50 * 1.1, p50, p90: p50 * 1.8, p95: p50 * 2.2, p99: p50 * 3.5, p999: p50 * 5, max: p50 * 6 };
}

/** 60 one-second points: ramp to 50 calls/s over 10 s, steady, failures at 30–34 s, no starts after 50 s. */
export function realisticTimeline(): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  let active = 0;
  for (let s = 0; s < 60; s++) {
    const started = s < 10 ? 5 * (s + 1) : s < 50 ? 50 : 0;
    const ended = s < 3 ? 0 : Math.min(active + started, s < 50 ? Math.round(started * 0.98) : Math.ceil(active / 3));
    const failed = s >= 30 && s < 35 ? Math.round(ended * 0.2) : s % 7 === 0 && ended > 0 ? 1 : 0;
    const succeeded = Math.max(0, ended - failed);
    active = active + started - ended;
    const outcomes: Record<string, number> = {};
    if (succeeded) outcomes['CONNECTED'] = succeeded;
    if (failed) outcomes[s >= 30 && s < 35 ? 'MEETING_FULL' : 'NO_RESPONSE'] = failed;
    const base = s >= 30 && s < 35 ? 180 : 40 + (s % 5);
    points.push({ t: s * 1000, started, succeeded, failed, active, setupP50: started ? base : 0, setupP95: started ? base * 2 : 0, setupP99: started ? base * 3 : 0, outcomes });
  }
  return points;
}

export function realisticLoad(timeline: TimelinePoint[] = realisticTimeline()): LoadSummary {
  const outcomes: Record<string, number> = {};
  let succeeded = 0;
  let failed = 0;
  let attempted = 0;
  for (const p of timeline) {
    succeeded += p.succeeded;
    failed += p.failed;
    attempted += p.started;
    for (const [k, v] of Object.entries(p.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  }
  return {
    plan: { stages: [{ kind: 'ramp', from: 5, to: 50, durationMs: 10_000 }, { kind: 'constant', rate: 50, durationMs: 40_000 }], seed: 7, intervalMs: 1000 },
    durationMs: timeline.length * 1000,
    attempted,
    throttled: 3,
    succeeded,
    failed,
    outcomes,
    failures: { 'unexpected_response:486': outcomes['MEETING_FULL'] ?? 0, timeout: outcomes['NO_RESPONSE'] ?? 0 },
    asr: attempted ? (100 * succeeded) / attempted : 0,
    achievedRate: attempted / 50,
    setupMs: percentiles(42, attempted),
    pddMs: percentiles(12, attempted),
    timeline,
    byMix: { open: { attempted, succeeded, failed } },
  };
}

/** Traces one message as sent by `from` and received by `to` (0.2 ms later). */
function both(at: number, from: string, to: string, raw: string): LadderEntry[] {
  const firstLine = raw.slice(0, raw.indexOf('\r\n'));
  return [
    { at, direction: 'out', transport: 'udp', local: from, remote: to, firstLine, raw },
    { at: at + 0.2, direction: 'in', transport: 'udp', local: to, remote: from, firstLine, raw },
  ];
}

function msg(firstLine: string, callId: string, cseq: string, extra: string[] = []): string {
  return [firstLine, 'Via: SIP/2.0/UDP 127.0.45.101:5060;branch=z9hG4bK1', 'From: <sip:room@example.com>;tag=1', 'To: <sip:1000000000004@vc.example.com>', `Call-ID: ${callId}`, `CSeq: ${cseq}`, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
}

/** INVITE → 100 → 486 → ACK, each traced at both ends: 8 entries, 4 arrows. */
export function busySample(callId = 'busy-1@127.0.45.101'): CallSample {
  const t = 1_700_000_000_000;
  const invite = 'INVITE sip:1000000000004@vc.example.com SIP/2.0';
  return {
    name: 'full meeting',
    callId,
    outcome: 'MEETING_FULL',
    explanation: 'The node answered 486 Meeting is full: the meeting has reached its capacity.',
    ladder: [
      ...both(t, CALLER, NODE, msg(invite, callId, '1 INVITE')),
      ...both(t + 1.5, NODE, CALLER, msg('SIP/2.0 100 Trying', callId, '1 INVITE')),
      ...both(t + 14.2, NODE, CALLER, msg('SIP/2.0 486 Meeting is full', callId, '1 INVITE', ['Reason: SIP;cause=486;text="Meeting is full"'])),
      ...both(t + 14.9, CALLER, NODE, msg('ACK sip:1000000000004@vc.example.com SIP/2.0', callId, '1 ACK')),
    ],
  };
}

/**
 * INVITE → 200 → ACK → BYE from the node with a Reason → 200, traced at the caller only, with a hostile
 * reason phrase: 5 arrows.
 */
export function deniedSample(callId = 'denied-1@127.0.45.102'): CallSample {
  const t = 1_700_000_001_000;
  const out = (at: number, raw: string): LadderEntry => ({ at, direction: 'out', transport: 'udp', local: CALLER, remote: NODE, firstLine: raw.slice(0, raw.indexOf('\r\n')), raw });
  const inn = (at: number, raw: string): LadderEntry => ({ at, direction: 'in', transport: 'udp', local: CALLER, remote: NODE, firstLine: raw.slice(0, raw.indexOf('\r\n')), raw });
  return {
    name: 'guest denied <script>alert(1)</script>',
    callId,
    outcome: 'DENIED',
    explanation: 'The host denied the request to join: the node sent BYE with Reason cause=603.',
    ladder: [
      out(t, msg('INVITE sip:1000000000005@vc.example.com SIP/2.0', callId, '1 INVITE')),
      inn(t + 20, msg('SIP/2.0 200 OK', callId, '1 INVITE')),
      out(t + 21, msg('ACK sip:1000000000005@127.0.45.11 SIP/2.0', callId, '1 ACK')),
      inn(t + 520, msg('BYE sip:room@127.0.45.101 SIP/2.0', callId, '1 BYE', ['Reason: SIP;cause=603;text="<img src=x onerror=alert(1)>"'])),
      out(t + 521, msg('SIP/2.0 200 OK', callId, '1 BYE')),
    ],
  };
}

export function baseReport(overrides: Partial<Report> = {}): Report {
  return {
    tool: { name: 'gwsim', version: '0.1.0' },
    scenario: { name: 'report-test', file: 'fixtures/scenarios/report-test.yaml', description: 'A scenario for the report tests', seed: 7 },
    startedAt: '2024-05-01T10:00:00.000Z',
    durationMs: 61_234,
    ok: false,
    interrupted: false,
    expectations: [
      { name: 'open meeting', expected: 'CONNECTED', got: 'CONNECTED', ok: true, detail: '200 OK, joined', setupMs: 41.5 },
      { name: 'full meeting', expected: 'CONNECTED', got: 'MEETING_FULL', ok: false, detail: '486 Meeting is full', setupMs: 14.9 },
    ],
    load: realisticLoad(),
    thresholds: [
      { expression: 'setup_p95 < 300ms', metric: 'setup_p95', actual: 92.4, ok: true, detail: 'setup_p95 was 92.4 ms (< 300 ms)' },
      { expression: 'asr >= 99.5%', metric: 'asr', actual: 97.1, ok: false, detail: 'asr was 97.1%, needed >= 99.5%' },
    ],
    media: null,
    samples: [busySample(), deniedSample()],
    ...overrides,
  };
}
