/**
 * Sample calls for the report: a few failed calls per failure class, each with its SIP ladder (taken from
 * the run's LadderRecorder when the call ends, before a busy run can evict it) and a plain explanation.
 */
import type { LadderRecorder } from './report/ladder.ts';
import type { CallSample, LadderEntry } from './report/report-types.ts';
import { explainCall } from './explain.ts';
import type { CallRecord } from './topology-driver.ts';

/** How to find a call's messages: its Call-ID, or (when unknown) its INVITE from `local` to `uri` within its lifetime. */
export interface LadderQuery {
  callId: string;
  local: string;
  uri: string | null;
  startedAt: number;
  endedAt: number;
}

/** The ladder of one call and the Call-ID it was found under ('' and [] when nothing matches). */
export function findLadder(recorder: LadderRecorder, q: LadderQuery, taken?: Set<string>): { callId: string; ladder: LadderEntry[] } {
  if (q.callId) {
    const ladder = recorder.ladder(q.callId);
    if (ladder.length) return { callId: q.callId, ladder };
  }
  if (!q.uri) return { callId: q.callId, ladder: [] };
  // No Call-ID (the call failed before its INVITE was built) or none recorded under it: find its INVITE.
  const firstLine = `INVITE ${q.uri} SIP/2.0`;
  const ids = recorder.callIds();
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i]!;
    if (taken?.has(id)) continue;
    const ladder = recorder.ladder(id);
    const invite = ladder.find((e) => e.direction === 'out' && e.firstLine === firstLine);
    if (!invite || !invite.local.startsWith(`${q.local}:`)) continue;
    if (invite.at < q.startedAt - 50 || invite.at > q.endedAt + 50) continue;
    taken?.add(id);
    return { callId: id, ladder };
  }
  return { callId: q.callId, ladder: [] };
}

/** Keeps at most `perClass` failed calls per failure class (failure, else outcome) and one example per expected join failure, with their ladders. */
export class SampleKeeper {
  readonly #recorder: LadderRecorder | null;
  readonly #perClass: number;
  readonly #counts = new Map<string, number>();
  readonly #taken = new Set<string>();
  readonly samples: CallSample[] = [];

  constructor(recorder: LadderRecorder | null, perClass = 3) {
    this.#recorder = recorder;
    this.#perClass = perClass;
  }

  /**
   * Offer a finished call. Failed ones are kept while their class has room; of the calls that ended as
   * expected, the first of each join-failure outcome (anything but CONNECTED) is kept as its example.
   */
  offer(rec: CallRecord): void {
    if (rec.ok && rec.outcome === 'CONNECTED') return;
    const cls = rec.ok ? `expected:${rec.outcome}` : (rec.failure ?? rec.outcome);
    const n = this.#counts.get(cls) ?? 0;
    if (n >= (rec.ok ? 1 : this.#perClass)) return;
    this.#counts.set(cls, n + 1);
    const found = this.#recorder ? findLadder(this.#recorder, rec, this.#taken) : { callId: rec.callId, ladder: [] };
    const sample: CallSample = { name: rec.name, callId: found.callId, outcome: rec.outcome, explanation: explainCall(rec), ladder: found.ladder, expected: rec.ok };
    if (rec.mediaReport) sample.media = rec.mediaReport;
    this.samples.push(sample);
  }
}
