/**
 * The report model: what `gwsim run` (and later `gwsim conformance`) writes to report.json, and what
 * junit.xml and report.html are rendered from. Plain data (JSON-safe): numbers are milliseconds unless
 * the name says otherwise, times are epoch milliseconds.
 */

/** One SIP message as the trace hook saw it (sip's `SipTraceRecord` with the bytes as text). */
export interface LadderEntry {
  /** Epoch ms (fractional). */
  at: number;
  direction: 'in' | 'out';
  transport: string;
  local: string;
  remote: string;
  /** Start line, e.g. `INVITE sip:1000000000001@vc.example.com SIP/2.0` or `SIP/2.0 403 Forbidden`. */
  firstLine: string;
  /** The whole message as text (bodies that are not text are replaced by `[n bytes]`). */
  raw: string;
}

/** A call worth showing in full: its ladder and, in plain language, why it ended as it did. */
export interface CallSample {
  name: string;
  callId: string;
  outcome: string;
  /** One or two sentences a user can act on (e.g. "The node answered 403 with Reason … because …"). */
  explanation: string;
  ladder: LadderEntry[];
  /** true: the call ended as the scenario expected (kept as the example of its outcome); false: it did not. */
  expected?: boolean;
}

/** One single call of the scenario's `calls:` list and whether it ended as expected. */
export interface ExpectationResult {
  name: string;
  expected: string;
  got: string;
  ok: boolean;
  /** What was seen, for a human: status, reason, BYE Reason, error. */
  detail: string;
  setupMs: number;
}

/** Percentiles of an HDR histogram (ms). */
export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** One second (or one `intervalMs`) of a load run. */
export interface TimelinePoint {
  /** ms since the load started. */
  t: number;
  /** Calls whose intended start fell in this interval and were started. */
  started: number;
  /** Calls that ended in this interval, successfully (the mix entry's expectation met). */
  succeeded: number;
  /** Calls that ended in this interval and did not meet their expectation. */
  failed: number;
  /** Calls in progress at the end of the interval. */
  active: number;
  /** Setup latency percentiles of calls whose setup finished in this interval (ms; 0 when none). */
  setupP50: number;
  setupP95: number;
  setupP99: number;
  /** Outcome code → count, for calls that ended in this interval. */
  outcomes: Record<string, number>;
}

export interface LoadSummary {
  /** The plan as run, for the record (rate shape, duration/count, concurrency cap, mix weights, seed, workers). */
  plan: Record<string, unknown>;
  durationMs: number;
  /** Calls whose intended start time was reached. */
  attempted: number;
  /** Calls not started because the concurrency cap was reached (counted, never silently dropped). */
  throttled: number;
  succeeded: number;
  failed: number;
  /** Outcome code (CONNECTED, MEETING_NOT_FOUND, …) → count. */
  outcomes: Record<string, number>;
  /** Failure class (timeout, retransmission_exhausted, transport_error, unexpected_response:486, …) → count. */
  failures: Record<string, number>;
  /** Answer-seizure ratio in percent: answered calls / attempted calls. */
  asr: number;
  /** Achieved rate of call starts per second over the run. */
  achievedRate: number;
  /** INVITE sent at the *intended* start time → final response (no coordinated omission). */
  setupMs: Percentiles;
  /** Post-dial delay: INVITE → first provisional other than 100, or the final response. */
  pddMs: Percentiles;
  timeline: TimelinePoint[];
  /** Per mix entry name → { attempted, succeeded, failed }. */
  byMix: Record<string, { attempted: number; succeeded: number; failed: number }>;
}

/** A k6-style threshold (`setup_p95 < 300ms`, `asr >= 99.5%`) and whether it held. */
export interface ThresholdResult {
  /** As written in the scenario. */
  expression: string;
  metric: string;
  /** The measured value in the threshold's unit (ms, %, count, /s). */
  actual: number | null;
  ok: boolean;
  /** e.g. `setup_p95 was 412 ms, needed < 300 ms`. */
  detail: string;
}

export interface Report {
  tool: { name: 'gwsim'; version: string };
  scenario: { name: string; file: string | null; description: string | null; seed: number };
  startedAt: string;
  durationMs: number;
  /** true only when every expectation and every threshold held (and the run was not interrupted). */
  ok: boolean;
  interrupted: boolean;
  expectations: ExpectationResult[];
  load: LoadSummary | null;
  thresholds: ThresholdResult[];
  /** Sample calls with ladders: those that did not end as expected (at most a few per failure class), and one
   *  example of each join failure that did (a refusal or a BYE the scenario expects). */
  samples: CallSample[];
}
