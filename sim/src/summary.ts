/** The text a person reads after `gwsim run`: one line per single call, then the load, thresholds and verdict. */
import { formatNumber } from './report/thresholds.ts';
import type { LoadSummary, MediaAggregate, Report } from './report/report-types.ts';
import type { CallRecord } from './topology-driver.ts';

/** One line per call: mark, name, dial string, outcome (and what was expected when it differs). */
export function formatCall(c: CallRecord): string {
  const mark = c.ok ? 'ok  ' : 'FAIL';
  const outcome = c.ok ? c.outcome : `${c.outcome} (expected ${c.expect})`;
  let sip = c.status ? `${c.status} ${c.reason}` : (c.error ?? c.detail ?? '');
  if (c.byeReason) sip += `, then BYE (${c.byeReason})`;
  if (c.failure && c.outcome === c.expect) sip += ` [${c.failure}]`;
  const meeting = c.meetingMs !== null ? `, in meeting after ${c.meetingMs} ms` : '';
  const media = c.rtpToNode !== null ? `, ${c.rtpToNode} RTP pkts to node` : '';
  const via = c.target ? ` via ${c.target}` : '';
  return `${mark} ${c.name.padEnd(22)} ${c.dial.padEnd(34)} ${outcome.padEnd(18)} ${sip} [setup ${Math.round(c.setupMs)} ms${via}${meeting}${media}]`;
}

function counts(byKey: Record<string, number>, indent = '  '): string[] {
  const keys = Object.keys(byKey).sort();
  const width = Math.max(8, ...keys.map((k) => k.length));
  return keys.map((k) => `${indent}${k.padEnd(width)} ${byKey[k]}`);
}

/** The load section in a few lines: volume, rate, ASR, latency, outcomes, failure classes. */
export function formatLoad(l: LoadSummary): string[] {
  const lines = [
    `load: ${l.attempted} calls in ${(l.durationMs / 1000).toFixed(1)} s (${formatNumber(l.achievedRate)} calls/s), ${l.succeeded} as expected, ${l.failed} not, ${l.throttled} throttled; ASR ${formatNumber(l.asr)}%`,
    `  setup ms: p50 ${l.setupMs.p50.toFixed(1)}  p95 ${l.setupMs.p95.toFixed(1)}  p99 ${l.setupMs.p99.toFixed(1)}  max ${l.setupMs.max.toFixed(1)}`,
    '  outcomes:',
    ...counts(l.outcomes, '    '),
  ];
  if (Object.keys(l.failures).length) lines.push('  failures:', ...counts(l.failures, '    '));
  return lines;
}

/** Measured media in two lines: volume, loss, jitter, RTT, MOS; the bridged calls' packets per hop. */
export function formatMedia(m: MediaAggregate): string[] {
  const rtt = m.rttMs ? `RTT p50 ${formatNumber(m.rttMs.p50)} / p95 ${formatNumber(m.rttMs.p95)} / p99 ${formatNumber(m.rttMs.p99)} ms` : 'no RTT (nothing echoed)';
  const mos = m.mos ? `, MOS min ${formatNumber(m.mos.min)}` : '';
  const lines = [`media: ${m.calls} calls (${m.bridgedCalls} bridged), ${m.sent.packets} packets sent, ${m.received.packets} received, loss ${formatNumber(m.lossPercent)}%, jitter max ${formatNumber(m.jitterMaxMs)} ms, ${rtt}${mos}`];
  const h = m.node?.hops;
  if (h) lines.push(`  packets per hop: endpoint→node ${h.endpoint_to_node.packets}, node→Meet ${h.node_to_meet.packets}, Meet→node ${h.meet_to_node.packets}, node→endpoint ${h.node_to_endpoint.packets}`);
  return lines;
}

export function formatSummary(r: Report, calls: readonly CallRecord[]): string {
  const load = r.load ? ` and ${r.load.attempted} load calls` : '';
  const lines = [`scenario "${r.scenario.name}": ${calls.length} calls${load} in ${(r.durationMs / 1000).toFixed(1)} s`];
  const byOutcome: Record<string, number> = {};
  for (const c of calls) byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
  lines.push(...counts(byOutcome));
  if (r.load) lines.push(...formatLoad(r.load));
  if (r.media) lines.push(...formatMedia(r.media.all));
  if (r.thresholds.length) {
    lines.push('thresholds:');
    for (const t of r.thresholds) lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.expression.padEnd(28)} ${t.detail}`);
  }
  // The failed calls; examples of expected outcomes are in report.html and report.json.
  for (const s of r.samples) if (!s.expected) lines.push(`sample ${s.name} (${s.outcome}): ${s.explanation}`);
  const failedCalls = r.expectations.filter((e) => !e.ok).length;
  const failedThresholds = r.thresholds.filter((t) => !t.ok).length;
  if (r.interrupted) lines.push('INTERRUPTED: the run was stopped before it finished');
  if (r.ok) lines.push(`PASS: every call ended as expected${r.thresholds.length ? ' and every threshold held' : ''}`);
  else {
    const why = [
      failedCalls ? `${failedCalls} of ${r.expectations.length} calls did not end as expected` : '',
      failedThresholds ? `${failedThresholds} of ${r.thresholds.length} thresholds failed` : '',
      r.interrupted ? 'interrupted' : '',
    ].filter(Boolean);
    lines.push(`FAIL: ${why.join('; ') || 'not every call finished'}`);
  }
  return lines.join('\n');
}
