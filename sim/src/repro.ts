/**
 * `gwsim repro`: place one call of a scenario (the first, or the one named) with the SIP trace recorded,
 * then show its ladder and say in plain language why it ended as it did.
 */
import { ConfigError, sleep, type Logger } from '@gwsim/common';
import { explainCall } from './explain.ts';
import { LadderRecorder, renderLadderText } from './report/ladder.ts';
import type { LadderEntry } from './report/report-types.ts';
import { findLadder } from './samples.ts';
import type { LoadedScenario } from './scenario-file.ts';
import { Topology } from './topology.ts';
import { TopologyDriver, type CallRecord, type CallSpec } from './topology-driver.ts';

export interface ReproResult {
  record: CallRecord;
  ladder: LadderEntry[];
  explanation: string;
  /** The call ended as the scenario expects. */
  ok: boolean;
}

/** The call to reproduce: a `calls:` entry by name (or the first), else a load mix entry by name. */
export function pickCall(loaded: LoadedScenario, name?: string): CallSpec {
  const s = loaded.scenario;
  const calls = s.calls ?? [];
  const named = (c: (typeof calls)[number], i: number) => c.name ?? `call-${i + 1}`;
  const idx = name === undefined ? (calls.length ? 0 : -1) : calls.findIndex((c, i) => named(c, i) === name);
  if (idx >= 0) {
    const c = calls[idx]!;
    return { name: named(c, idx), from: c.from, dial: c.dial, expect: c.expect, holdMs: c.holdMs ?? 1000, dtmf: c.dtmf, dtmfMethod: c.dtmfMethod, answerTimeoutMs: c.answerTimeoutMs, hostAction: c.hostAction };
  }
  const mix = s.load?.mix ?? [];
  const m = name === undefined ? mix[0] : mix.find((x) => x.name === name);
  if (m) {
    const hold = m.hold ?? s.load?.hold;
    return { name: m.name, from: m.from, dial: m.dial, expect: m.expect, holdMs: hold?.kind === 'fixed' ? hold.ms : 1000, dtmf: m.dtmf, dtmfMethod: m.dtmfMethod };
  }
  const names = [...calls.map(named), ...mix.map((x) => x.name)];
  if (name === undefined) throw new ConfigError('calls', 'the scenario has no call to reproduce (no calls: and no load mix)');
  throw new ConfigError('--call', `no call named "${name}" in the scenario (calls: ${names.join(', ') || 'none'})`);
}

/** Start the topology, place the call with a ladder recorder running, stop everything. */
export async function reproCall(loaded: LoadedScenario, options: { logger: Logger; call?: string; signal?: AbortSignal }): Promise<ReproResult> {
  const spec = pickCall(loaded, options.call);
  const recorder = new LadderRecorder({ maxCalls: 200 }).start();
  let topo: Topology | null = null;
  try {
    topo = await Topology.start(loaded, options.logger);
    await topo.registerEndpoints();
    const driver = new TopologyDriver(topo);
    const record = await driver.placeCall(spec, options.signal);
    await driver.close();
    await sleep(50); // the last ACK / 200 to BYE are traced as they are sent
    const { callId, ladder } = findLadder(recorder, record);
    if (!record.callId) record.callId = callId;
    return { record, ladder, explanation: explainCall(record), ok: record.ok };
  } finally {
    await topo?.close();
    recorder.stop();
  }
}

/** What `gwsim repro` prints. */
export function formatRepro(r: ReproResult): string {
  const c = r.record;
  const lines = [
    `call "${c.name}": ${c.from} dials ${c.dial}${c.callId ? ` (Call-ID ${c.callId})` : ''}`,
    '',
    renderLadderText(r.ladder).trimEnd(),
    '',
    `outcome: ${c.outcome}${c.ok ? ' (as expected)' : ` (expected ${c.expect})`}`,
    `why: ${r.explanation}`,
  ];
  return lines.join('\n');
}
