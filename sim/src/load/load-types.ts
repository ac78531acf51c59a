/**
 * The load generator's contract: a plan (arrivals, count/duration, concurrency, hold, mix) and a driver
 * that places one call. The generator schedules calls by their *intended* start time and measures from it,
 * so a slow system under test shows up as latency, not as a lower offered rate (no coordinated omission).
 */

/** Arrival process of call starts. Stages run one after another (k6-style). */
export type ArrivalStage =
  | { kind: 'constant'; rate: number; durationMs: number }
  | { kind: 'ramp'; from: number; to: number; durationMs: number }
  | { kind: 'poisson'; rate: number; durationMs: number };

/** A duration distribution (hold time, think time), in ms. */
export type Distribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number; maxMs?: number }
  | { kind: 'normal'; meanMs: number; stddevMs: number; minMs?: number; maxMs?: number };

/** One entry of the call mix: what to dial and what should happen. */
export interface MixEntry {
  name: string;
  weight: number;
  /** Endpoint name (topology runs) — drivers for external targets ignore it. */
  from?: string;
  /** Dial string, `{meeting:label}` placeholders already expanded or expanded by the driver. */
  dial: string;
  /** CONNECTED or an outcome code. */
  expect: string;
  /** Overrides the plan's hold distribution. */
  hold?: Distribution;
  dtmf?: string;
  dtmfMethod?: 'rfc4733' | 'info';
}

export interface LoadPlan {
  stages: ArrivalStage[];
  /** Stop starting calls after this many (in addition to the stages' total duration). */
  maxCalls?: number;
  /** At most this many calls in progress; arrivals beyond it are counted as `throttled`. */
  maxConcurrent?: number;
  hold: Distribution;
  mix: MixEntry[];
  seed: number;
  /** Worker threads to shard arrivals over (1 = in this thread). */
  workers?: number;
  /** How long to wait for calls in progress after the last arrival (ms). */
  drainMs?: number;
  /** Timeline bucket (ms), default 1000. */
  intervalMs?: number;
}

/** What one call ended as, from the caller's side. */
export interface CallResult {
  /** CONNECTED, an outcome code (MEETING_NOT_FOUND, …), DNS_FAILURE, NO_RESPONSE, or ERROR. */
  outcome: string;
  /** When the call is a failure: timeout, retransmission_exhausted, transport_error, unexpected_response:<code>, bye_failed, dns_failure, error. */
  failure?: string;
  /** Final status of the INVITE (0 when none). */
  status: number;
  /** INVITE sent → final response, ms (fractional). */
  setupMs: number;
  /** INVITE sent → first provisional other than 100, or the final response, ms. */
  pddMs: number;
  /** SIP Call-ID, to find the ladder. */
  callId: string;
  detail?: string;
}

/** Places calls. One driver per thread; it owns its sockets and closes them in `close()`. */
export interface CallDriver {
  /** Place one call as the entry says, hold it for `holdMs` when answered, hang up, and report. */
  place(entry: MixEntry, holdMs: number, signal: AbortSignal): Promise<CallResult>;
  close(): Promise<void>;
}
