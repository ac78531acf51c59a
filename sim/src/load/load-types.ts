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
  /** CONNECTED, an outcome code (MEETING_NOT_FOUND, …, or REJECTED_<code> for an unknown refusal), DNS_FAILURE, NO_RESPONSE, TRANSPORT_ERROR, ABORTED, or ERROR. */
  outcome: string;
  /** When the call is a failure: timeout, retransmission_exhausted, transport_error, unexpected_response:<code>, unexpected_bye, bye_failed, dns_failure, aborted, error (see taxonomy.ts). */
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

/** Our SIP core as a load driver against an external target (SIPp, a real gateway). Plain data: it crosses to worker threads. */
export interface SipUacDriverOptions {
  /** Where every INVITE goes (no DNS: an address). */
  target: { address: string; port: number; transport: 'udp' | 'tcp' };
  /** Our side. With several workers, port p becomes p + worker index (0 stays 0: a free port each). */
  local: { address: string; port?: number };
  /** User part of From (default `gwsim`). */
  fromUser?: string;
  /** Host of From and of Request-URIs built from a bare dial string (default: the target's address:port). */
  domain?: string;
  /** RFC 3261 timers, ms (defaults 500/4000/5000). */
  timers?: { T1?: number; T2?: number; T4?: number };
  /** Send a small SDP offer in the INVITE (default true). */
  sdp?: boolean;
  /**
   * Which UAC places the calls: `ua` (default) our full RFC 3261 user agent from @gwsim/sip; `lean` a
   * SIPp-like scenario engine (lean-uac.ts: one socket, string templates, one timer wheel), several times
   * cheaper per call, UDP only.
   */
  engine?: 'ua' | 'lean';
}

/** Where the generator gets its driver: built in this thread, or our SIP UAC from serializable options (can be sharded). */
export type DriverSource = { kind: 'local'; create: () => Promise<CallDriver> } | { kind: 'sip-uac'; options: SipUacDriverOptions };

/** A live view of a run, every `progressEveryMs`. */
export interface LoadProgress {
  elapsedMs: number;
  /** Calls started per second over the last progress period. */
  rate: number;
  attempted: number;
  active: number;
  succeeded: number;
  failed: number;
  outcomes: Record<string, number>;
  /** Setup latency p95 so far (ms; with workers, the highest of the workers' p95). */
  setupP95: number;
}

export interface RunLoadOptions {
  /** Abort (Ctrl-C): stop starting calls, hang up the ones in progress, and still return the summary. */
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Default 1000. */
  progressEveryMs?: number;
  /** After an abort (or the end of drainMs), how long calls in progress get to hang up before they are counted `aborted` (default 2000). */
  abortGraceMs?: number;
  /**
   * `sip-uac` sources: calls each driver first places to a UAS in its own thread (never the target) to warm
   * the JIT, so that the run does not start with cold code (default 2000; 0 to skip).
   */
  warmUpCalls?: number;
}
