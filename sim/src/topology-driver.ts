/**
 * Places calls from a running topology's endpoints: the single calls of a scenario and, as the `local`
 * source of `runLoad`, every call of its load section. The caller's view decides the outcome (the final
 * response, the marked media, a BYE's Reason), classified by the load generator's taxonomy.
 */
import { errorMessage, GwsimError, sleep } from '@gwsim/common';
import { parseDialString, type PersonaCall, type PersonaDialResult } from '@gwsim/endpoint';
import { outcomeFromReason, outcomeFromResponse, type CallSnapshot, type ConferencingNode } from '@gwsim/node';
import type { CallDriver, CallResult, MixEntry } from './load/load-types.ts';
import { classifyCall, type CallObservation } from './load/taxonomy.ts';
import { callMediaReport, type MediaAggregator } from './report/media.ts';
import type { CallMediaReport } from './report/report-types.ts';
import type { SampleKeeper } from './samples.ts';
import type { ScenarioCall } from './scenario-schema.ts';
import type { Topology } from './topology.ts';

/** A single call as the driver places it (a scenario call, or a load mix entry with its drawn hold). */
export interface CallSpec {
  name: string;
  from: string;
  /** May hold `{meeting:label}` placeholders. */
  dial: string;
  expect: string;
  holdMs: number;
  dtmf?: string;
  dtmfMethod?: 'rfc4733' | 'info';
  answerTimeoutMs?: number;
  hostAction?: ScenarioCall['hostAction'];
}

/** Everything seen of one call: the load generator's CallResult plus what a person reads in a summary. */
export interface CallRecord extends CallResult {
  name: string;
  from: string;
  /** The dial string with placeholders expanded. */
  dial: string;
  /** The Request-URI the INVITE went to (null when the dial string did not parse). */
  uri: string | null;
  expect: string;
  /** The outcome is the expected one and nothing else went wrong. */
  ok: boolean;
  reason: string;
  reasonHeader: string | null;
  warning: string | null;
  /** Address:port of the answering (last) attempt. */
  target: string | null;
  attempts: number;
  /** RTP packets the node received while the call was in the meeting (connected calls). */
  rtpToNode: number | null;
  /** From the INVITE to the first meeting media (includes any lobby wait); null when never in the meeting. */
  meetingMs: number | null;
  /** The Reason of the node's BYE when the node ended an answered call. */
  byeReason: string | null;
  /** Media states the caller received, in order (reception, lobby, meeting). */
  media: string[];
  /** The measured media of an answered call from an endpoint with `media` (with the bridging node's hop counters), else null. */
  mediaReport: CallMediaReport | null;
  /** What the host did during the call, as done (`videoLock on after 500 ms`). */
  hostAction: string | null;
  /** The endpoint's address, for finding the ladder. */
  local: string;
  startedAt: number;
  endedAt: number;
  error?: string;
}

/** Expand `{meeting:label}` placeholders in a dial string to that meeting's 13-digit ID. */
export function expandDial(dial: string, meetings: Map<string, string>): string {
  return dial.replace(/\{meeting:([^}]+)\}/g, (_, label: string) => {
    const id = meetings.get(label);
    if (!id) throw new Error(`dial string refers to unknown meeting label "${label}"`);
    return id;
  });
}

/** Resolves after `ms`, or early (true) when the signal aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (aborted: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Ended calls the nodes reported, kept until their caller has read them (bounded: a busy run forgets the oldest). */
const MAX_NODE_RECORDS = 10_000;
/** How long a caller waits for the node's record of a call it ended: the node reports once the call's media has closed. */
const NODE_RECORD_WAIT_MS = 1000;

type NodeRecord = Pick<CallSnapshot, 'rtp' | 'media'>;

/** Outcomes the taxonomy always classes as failures but a scenario may expect. */
const EXPECTABLE_FAILURES = new Set(['DNS_FAILURE', 'NO_RESPONSE', 'TRANSPORT_ERROR']);

export class TopologyDriver implements CallDriver {
  readonly #topo: Topology;
  readonly #nodeRecords = new Map<string, NodeRecord>();
  readonly #nodeWaiters = new Map<string, () => void>();
  readonly #listeners: Array<{ node: ConferencingNode; off: () => void }> = [];
  readonly #addresses: Map<string, { address: string; transport: string }>;
  readonly #keeper: SampleKeeper | undefined;
  readonly #onCall: ((rec: CallRecord) => void) | undefined;
  readonly #media: readonly MediaAggregator[];

  /**
   * `keeper` collects failed calls with their ladders; `onCall` sees every finished call; `media` sums the
   * measured media of the calls (one aggregator per report scope it counts in).
   */
  constructor(topo: Topology, options: { keeper?: SampleKeeper; onCall?: (rec: CallRecord) => void; media?: readonly MediaAggregator[] } = {}) {
    this.#topo = topo;
    this.#keeper = options.keeper;
    this.#onCall = options.onCall;
    this.#media = options.media ?? [];
    this.#addresses = new Map(topo.loaded.scenario.endpoints.map((e) => [e.name, { address: e.address, transport: e.persona === 'sipjs' ? 'ws' : (e.transport ?? 'udp') }]));
    for (const node of topo.nodes) {
      const listener = (c: CallSnapshot) => {
        if (!c.rtp && !c.media) return; // refused before any media: nothing to read
        if (this.#nodeRecords.size >= MAX_NODE_RECORDS) this.#nodeRecords.delete(this.#nodeRecords.keys().next().value!);
        this.#nodeRecords.set(c.sipCallId, { rtp: c.rtp, media: c.media });
        this.#nodeWaiters.get(c.sipCallId)?.();
      };
      node.on('callEnded', listener);
      this.#listeners.push({ node, off: () => node.off('callEnded', listener) });
    }
  }

  /** The CallDriver contract for `runLoad`: one mix entry, held `holdMs` when it reaches the meeting. */
  async place(entry: MixEntry, holdMs: number, signal: AbortSignal): Promise<CallResult> {
    const r = await this.placeCall({ name: entry.name, from: entry.from ?? '', dial: entry.dial, expect: entry.expect, holdMs, dtmf: entry.dtmf, dtmfMethod: entry.dtmfMethod }, signal);
    const out: CallResult = { outcome: r.outcome, status: r.status, setupMs: r.setupMs, pddMs: r.pddMs, callId: r.callId };
    if (r.failure) out.failure = r.failure;
    if (r.detail) out.detail = r.detail;
    return out;
  }

  /** Place one call and follow it to its end; never throws (an exception becomes outcome ERROR). */
  async placeCall(spec: CallSpec, signal?: AbortSignal): Promise<CallRecord> {
    const rec = await this.#place(spec, signal);
    this.#keeper?.offer(rec);
    this.#onCall?.(rec);
    return rec;
  }

  async #place(spec: CallSpec, signal?: AbortSignal): Promise<CallRecord> {
    const startedAt = Date.now();
    const ep = this.#addresses.get(spec.from);
    const rec: CallRecord = {
      name: spec.name, from: spec.from, dial: spec.dial, uri: null, expect: spec.expect, ok: false, outcome: 'ERROR', status: 0, setupMs: 0, pddMs: 0, callId: '',
      reason: '', reasonHeader: null, warning: null, target: null, attempts: 0, rtpToNode: null, meetingMs: null, byeReason: null, media: [], mediaReport: null, hostAction: null,
      local: ep?.address ?? '', startedAt, endedAt: startedAt,
    };
    const finish = (obs: CallObservation, detail?: string): CallRecord => {
      const c = classifyCall(obs, spec.expect);
      rec.outcome = c.outcome;
      // The taxonomy counts caller-side outcomes (DNS_FAILURE, NO_RESPONSE, …) as failures whatever was
      // expected; a scenario that expects one (a DNS or failover fault test) got what it asked for.
      if (c.failure && !(c.outcome === spec.expect && EXPECTABLE_FAILURES.has(c.outcome))) rec.failure = c.failure;
      rec.ok = !rec.failure && c.outcome === spec.expect;
      if (detail) rec.detail = detail;
      rec.endedAt = Date.now();
      return rec;
    };
    const reliable = ep?.transport !== 'udp';
    try {
      rec.dial = expandDial(spec.dial, this.#topo.meetings);
      rec.uri = parseDialString(rec.dial).uri;
      const persona = this.#topo.endpoints.get(spec.from);
      if (!persona) throw new Error(`no endpoint named "${spec.from}"`);
      if (signal?.aborted) return finish({ reliable, status: 0, local: false, aborted: true });
      let r: PersonaDialResult;
      try {
        r = await persona.dial(rec.dial);
      } catch (err) {
        if (err instanceof GwsimError && err.code === 'GWSIM_ERR_DNS') {
          rec.reason = err.message;
          return finish({ reliable, status: 0, local: true, dnsFailed: true }, err.message);
        }
        throw err;
      }
      const last = r.attempts.at(-1);
      Object.assign(rec, { callId: r.callId, pddMs: r.pddMs, status: r.status, reason: r.reason, reasonHeader: r.reasonHeader, warning: r.warning, setupMs: r.setupMs, attempts: r.attempts.length });
      rec.target = last ? `${last.target.address}:${last.target.port}` : null;
      const obs: CallObservation = { reliable, status: r.status, local: last?.local ?? false, aborted: signal?.aborted ?? false };
      if (!obs.local) obs.outcome = outcomeFromResponse(r.status, r.reason);
      if (!r.call) return finish(obs, `${r.status} ${r.reason}`);
      const done = await this.#follow(r.call, spec, rec, obs, signal, finish);
      await this.#measure(r.call, done);
      return done;
    } catch (err) {
      rec.error = errorMessage(err);
      return finish({ reliable, status: 0, local: false, error: true }, rec.error);
    }
  }

  /** An answered call: reception digits, lobby, meeting, hold, host action, and how it ended. */
  async #follow(call: PersonaCall, spec: CallSpec, rec: CallRecord, obs: CallObservation, signal: AbortSignal | undefined, finish: (obs: CallObservation, detail?: string) => CallRecord): Promise<CallRecord> {
    const dialedAt = Date.now() - rec.setupMs;
    const onAbort = () => void call.hangup().catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    let hostTimer: NodeJS.Timeout | undefined;
    try {
      // 200 OK means the node answered, not that we are in the meeting: the media tells (reception prompt,
      // lobby splash, meeting), and a BYE with a Reason says why we never got there.
      if (spec.dtmf) {
        if (!(await call.waitForMedia('reception', 5000))) throw new Error('answered, but no Virtual Reception prompt arrived');
        await call.sendDtmf(spec.dtmf, spec.dtmfMethod ?? 'rfc4733');
      }
      const inMeeting = await call.waitForMedia('meeting', spec.answerTimeoutMs ?? 15_000);
      if (inMeeting) {
        rec.meetingMs = Math.round(call.mediaStates.find((m) => m.state === 'meeting')!.at - dialedAt);
        call.startMedia();
        if (spec.hostAction) hostTimer = this.#scheduleHostAction(spec.hostAction, rec);
        const end = await Promise.race([call.ended, pause(spec.holdMs, signal).then(() => null)]);
        if (end) {
          obs.remoteBye = end.by === 'remote';
          rec.byeReason = end.reason;
          obs.outcome = outcomeFromReason(end.reason) ?? 'CONNECTED';
        } else {
          const bye = await call.hangup();
          obs.byeStatus = bye?.status ?? 0;
          rec.rtpToNode = (await this.#nodeRecord(rec.callId))?.rtp?.packetsIn ?? 0;
        }
      } else {
        const end = await Promise.race([call.ended, sleep(1000).then(() => null)]);
        if (end?.by === 'remote') {
          obs.remoteBye = true;
          rec.byeReason = end.reason;
          obs.outcome = outcomeFromReason(end.reason);
        } else {
          await call.hangup().catch(() => null);
          rec.media = call.mediaStates.map((m) => m.state);
          if (obs.aborted || signal?.aborted) return finish({ ...obs, aborted: true, status: 0 });
          const c = finish(obs, `answered, but no meeting media within ${spec.answerTimeoutMs ?? 15_000} ms (last media: ${call.mediaState ?? 'none'})`);
          c.outcome = 'NO_MEETING_MEDIA';
          c.failure = 'no_meeting_media';
          c.ok = false;
          return c;
        }
      }
      rec.media = call.mediaStates.map((m) => m.state);
      const detail = `${rec.status} ${rec.reason}${rec.byeReason ? `, then BYE (${rec.byeReason})` : ''}${obs.byeStatus && obs.byeStatus !== 200 ? `, our BYE answered ${obs.byeStatus}` : ''}`;
      return finish(obs, detail);
    } finally {
      if (hostTimer) clearTimeout(hostTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The node's record of an ended call (RTP count, bridge hop counters), once it has reported it; null past the wait. */
  async #nodeRecord(callId: string): Promise<NodeRecord | null> {
    if (!this.#nodeRecords.has(callId)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, NODE_RECORD_WAIT_MS);
        this.#nodeWaiters.set(callId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#nodeWaiters.delete(callId);
    }
    return this.#nodeRecords.get(callId) ?? null;
  }

  /** An answered call's measured media, with the bridging node's counters, into the record and the aggregates. */
  async #measure(call: PersonaCall, rec: CallRecord): Promise<void> {
    if (call.mediaStats()) {
      const node = await this.#nodeRecord(rec.callId);
      // read after the node's record: by then the call's own media has closed too, and its figures are final
      rec.mediaReport = callMediaReport(call.mediaStats()!, node?.media ?? null);
      for (const m of this.#media) m.add(rec.mediaReport, (stream) => call.rttHistogram(stream));
    }
    this.#nodeRecords.delete(rec.callId);
  }

  #scheduleHostAction(action: NonNullable<CallSpec['hostAction']>, rec: CallRecord): NodeJS.Timeout {
    return setTimeout(() => {
      try {
        const id = this.#topo.meetings.get(action.meeting);
        if (!id) throw new Error(`no meeting labelled "${action.meeting}"`);
        const done: string[] = [];
        if (action.videoLock !== undefined) {
          this.#topo.meet.service.setHost(id, { videoLock: action.videoLock });
          done.push(`videoLock ${action.videoLock ? 'on' : 'off'}`);
        }
        if (action.endMeeting) {
          this.#topo.meet.service.endMeeting(id);
          done.push('meeting ended');
        }
        rec.hostAction = `${done.join(', ')} after ${action.afterMs} ms in the meeting`;
      } catch (err) {
        rec.hostAction = `failed: ${errorMessage(err)}`;
      }
    }, action.afterMs);
  }

  /** Detaches from the nodes; the topology itself belongs to whoever started it. */
  async close(): Promise<void> {
    for (const l of this.#listeners.splice(0)) l.off();
    this.#nodeRecords.clear();
  }
}
