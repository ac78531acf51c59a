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
  /** The call's media, when its endpoint measured media (see CallMediaReport). */
  media?: CallMediaReport;
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
  /** The call's media, when its endpoint measured media (see CallMediaReport). */
  media?: CallMediaReport;
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

/** The streams of a call: audio, main video and presentation content (`a=content:slides`). */
export type MediaStreamName = 'audio' | 'video' | 'content';

/** The hops of a bridged call's media, as the node counts them: endpoint → node → Meet → node → endpoint. */
export type MediaHopName = 'endpoint_to_node' | 'node_to_meet' | 'meet_to_node' | 'node_to_endpoint';

/** RTP packets and bytes (headers included). */
export interface PacketCount {
  packets: number;
  bytes: number;
}

export type HopCounts = Record<MediaHopName, PacketCount>;

/** RFC 3550 A.3 loss of what one side received. */
export interface LegLoss {
  expected: number;
  lost: number;
}

/** What a bridging node counted of a stream (or of a call, or of a group of calls). */
export interface NodeMediaCounts {
  hops: HopCounts;
  /** Packets from the endpoint the node did not forward: in the lobby, before its WebRTC leg was up, DTMF. */
  held: number;
  /** The node's own media to the endpoint: the lobby splash (probe origin node-lobby). */
  local: PacketCount;
}

/** A bridging node's counters over a call's streams, with RFC 3550 loss on the two legs it receives. */
export interface NodeCallMedia extends NodeMediaCounts {
  loss: { endpoint: LegLoss; meet: LegLoss };
}

/** Round trips (ms) of the endpoint's own probe media that came back (Meet's echo through a bridging node). */
export interface RttSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One stream of one call: what the endpoint sent and measured, and what the node counted when it bridged. */
export interface StreamMediaReport {
  stream: MediaStreamName;
  /** The answer accepted the stream (it had somewhere to send). */
  accepted: boolean;
  /** Endpoint side: RTP sent (RFC 4733 events included on audio) and received. */
  sent: PacketCount;
  received: PacketCount;
  /** RFC 3550 A.3 over what the endpoint received. */
  expected: number;
  lost: number;
  lossPercent: number;
  /** RFC 3550 A.8 interarrival jitter at the end of the call. */
  jitterMs: number;
  rttMs: RttSummary | null;
  /** E-model MOS of the received audio (audio only, once something arrived). */
  mos: number | null;
  /** Received packets by probe origin: node-lobby, meet-echo, … */
  origins: Record<string, number>;
  /** The node's counters of this stream when it bridged the call, else null. */
  node: NodeMediaCounts | null;
}

/** The media of one call whose endpoint measured media (endpoint `media`). */
export interface CallMediaReport {
  streams: StreamMediaReport[];
  /** The node bridged the call to Meet: its counters over every stream, else null. */
  node: NodeCallMedia | null;
}

/** What the endpoints sent and measured over a group of calls (one stream, or all of them). */
export interface MediaTotals {
  sent: PacketCount;
  received: PacketCount;
  expected: number;
  lost: number;
  lossPercent: number;
  jitterMaxMs: number;
  /** Every round trip of the group's calls (histograms merged, not averaged percentiles). */
  rttMs: RttSummary | null;
}

/** One stream over a group of calls. */
export interface StreamMediaAggregate extends MediaTotals {
  /** Calls that had the stream. */
  calls: number;
  /** Summed over the bridged calls, else null. */
  node: NodeMediaCounts | null;
}

/** The media of a group of calls (the single calls, the load calls, or all of them). */
export interface MediaAggregate extends MediaTotals {
  /** Calls that carried measured media, and how many of them a node bridged to Meet. */
  calls: number;
  bridgedCalls: number;
  streams: Partial<Record<MediaStreamName, StreamMediaAggregate>>;
  /** Lowest and mean MOS over the calls that received audio. */
  mos: { count: number; min: number; mean: number } | null;
  /** Summed over the bridged calls, else null. */
  node: NodeCallMedia | null;
}

/** Media over the run: everything, and the single calls and the load calls apart (null when none carried media). */
export interface MediaSummary {
  all: MediaAggregate;
  singles: MediaAggregate | null;
  load: MediaAggregate | null;
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
  /** Measured media (endpoints with `media`), null when no call carried any. */
  media: MediaSummary | null;
  /** Sample calls with ladders: those that did not end as expected (at most a few per failure class), and one
   *  example of each join failure that did (a refusal or a BYE the scenario expects). */
  samples: CallSample[];
}
