import type { CallReport, RunReport } from './run.ts';

/** One line per call: mark, name, dial string, outcome (and what was expected when it differs). */
export function formatCall(c: CallReport): string {
  const mark = c.ok ? 'ok  ' : 'FAIL';
  const outcome = c.ok ? c.got : `${c.got} (expected ${c.expect})`;
  let sip = c.status ? `${c.status} ${c.reason}` : c.error ?? '';
  if (c.byeReason) sip += `, then BYE (${c.byeReason})`;
  const meeting = c.meetingMs !== null ? `, in meeting after ${c.meetingMs} ms` : '';
  const media = c.rtpToNode !== null ? `, ${c.rtpToNode} RTP pkts to node` : '';
  const via = c.target ? ` via ${c.target}` : '';
  return `${mark} ${c.name.padEnd(22)} ${c.dial.padEnd(34)} ${outcome.padEnd(18)} ${sip} [setup ${c.setupMs} ms${via}${meeting}${media}]`;
}

export function formatSummary(r: RunReport): string {
  const lines = [`scenario "${r.scenario}": ${r.calls.length} calls in ${(r.durationMs / 1000).toFixed(1)} s`];
  const width = Math.max(...Object.keys(r.byOutcome).map((k) => k.length), 8);
  for (const [k, v] of Object.entries(r.byOutcome).sort()) lines.push(`  ${k.padEnd(width)} ${v}`);
  const failed = r.calls.filter((c) => !c.ok).length;
  lines.push(r.ok ? `PASS: every call ended as expected` : `FAIL: ${failed} of ${r.calls.length} calls did not end as expected`);
  return lines.join('\n');
}
