/**
 * The conformance suite's model: what a case is, what it may ask of the target it runs against, and what a
 * run reports. Cases are data plus a `run(ctx)`; the runner decides from `needs` and `targets` whether a case
 * can run against a target at all, and reports it *not applicable* (with the reason) when it cannot.
 */
import type { Vtc } from '@gwsim/endpoint';
import type { MeetService } from '@gwsim/meet';
import type { CallSnapshot } from '@gwsim/node';
import type { SipZoneNode } from '@gwsim/dns';
import type { CallSample } from '../report/report-types.ts';
import type { DialSeen } from './caller.ts';

/**
 * What a case needs to observe or control. An external target offers only what can be seen from outside.
 * - `sip`: place calls, see final responses, BYEs and their Reason headers.
 * - `media`: RTP between the caller and the gateway.
 * - `marked-media`: the gateway marks its media (gwsim's reception / lobby / meeting frames), so the caller
 *   can tell the waiting screen from the meeting.
 * - `registration`: the caller can REGISTER to the gateway.
 * - `dns`: the dial domain resolves through a DNS server the suite can query.
 * - `meet-control`: act as the meeting host and read participants (the trusted flag) at Meet.
 * - `node-stats`: read the node's own record of a call (RTP received).
 * - `topology-control`: change the set-up: DNS records and faults.
 */
export type Capability = 'sip' | 'media' | 'marked-media' | 'registration' | 'dns' | 'meet-control' | 'node-stats' | 'topology-control';

export const CAPABILITIES: readonly Capability[] = ['sip', 'media', 'marked-media', 'registration', 'dns', 'meet-control', 'node-stats', 'topology-control'];

/** Why an external target lacks each capability, completing "not applicable: needs …". */
export const CAPABILITY_HELP: Readonly<Record<Capability, string>> = Object.freeze({
  sip: 'a SIP target',
  media: 'RTP between caller and gateway',
  'marked-media': 'a gateway that marks its media (lobby/meeting), as gwsim nodes do (--marked-media)',
  registration: 'a gateway that accepts REGISTER from the caller (--register)',
  dns: 'a DNS server and dial domain to resolve the gateway hostname (--dns, --domain)',
  'meet-control': 'control of the Meet side (host actions, participant list), which only the embedded topology gives',
  'node-stats': "the node's own call records, which only the embedded topology gives",
  'topology-control': 'control of the set-up (DNS records and faults), which only the embedded topology gives',
});

export type CaseStatus = 'pass' | 'fail' | 'not_applicable' | 'error';

/** Timings of the target that cases wait on (ms). */
export interface Timing {
  /** How long a connected call is held before the caller hangs up. */
  holdMs: number;
  /** How long an admitted knock may take, answer to meeting media. */
  admitWithinMs: number;
  /** The Meet knock timeout of the target (DOMAIN.md §2 convention: 300 s). */
  knockTimeoutMs: number;
  /** How long the gateway may take to BYE after a host action. */
  byeWithinMs: number;
}

/** A caller (simulated VTC) the suite dials from. */
export interface Caller {
  readonly name: string;
  readonly displayName: string;
  readonly vtc: Vtc;
  /** The caller's own address (its RTP is received there). */
  readonly address: string;
  readonly registered: boolean;
}

/** A labelled dial target: a meeting ID and where to dial it. */
export interface DialTarget {
  readonly label: string;
  readonly meetingId: string;
  /** `<id>@<gateway ip>[:port]` (plus `;transport=` when not UDP). */
  readonly byIp: string;
  /** `<scheme>:<id>@<dial domain>`, or null when no domain is known. */
  byHost(scheme?: 'sip' | 'sips'): string | null;
}

/** An SRV-and-address zone to serve from a case's own DNS server (topology-control). */
export interface CaseZone {
  domain: string;
  nodes: SipZoneNode[];
  /** Faults, as `DnsServer.faults.set` takes them. */
  faults?: unknown[];
}

/** What a case may use while it runs. Methods the target lacks throw; `needs` keeps cases from calling them. */
export interface CaseContext {
  readonly target: 'embedded' | 'external';
  readonly timing: Timing;
  /** Aborted when the case runs out of time; helpers stop waiting then. */
  readonly signal: AbortSignal;
  has(capability: Capability): boolean;
  dialTarget(label: string): DialTarget;
  /** A dial string no Call Routing Rule should match (`alice@<gateway ip>`). */
  noMatch(): string;
  /** The Virtual Reception dial string (reached by gateway IP), or null when the target has none. */
  reception(): string | null;
  /** The dial domain (gateway hostname), or null. */
  readonly domain: string | null;
  /** The DNS server the gateway hostname resolves through, or null. */
  readonly dnsServer: { address: string; port: number } | null;
  /** The shared callers: `registered` has REGISTERed to the gateway, `unregistered` never does. */
  caller(kind: 'registered' | 'unregistered'): Caller;
  /** meet-control: the Meet service of the target. */
  meet(): MeetService;
  /** node-stats: the node's record of a call, by SIP Call-ID. */
  nodeCall(callId: string): CallSnapshot | undefined;
  /** topology-control: the live nodes as DNS should publish them. */
  liveNodes(): SipZoneNode[];
  /** topology-control: an address where nothing listens (a dead node). */
  deadAddress(): string;
  /** topology-control: a DNS server of the case's own (closed when the case ends). */
  startDns(zone: CaseZone): Promise<{ address: string; port: number; faultsMatched(): number }>;
  /** A caller of the case's own, resolving through `dns` (closed when the case ends). */
  startCaller(options: { name: string; dns: { address: string; port: number }; timers?: { T1?: number; T2?: number; T4?: number } }): Promise<Caller>;
  /** Place a call owned by the case (hung up when the case ends; its ladder kept for the report). */
  dial(caller: Caller, dialString: string, name: string, answerTimeoutMs?: number): Promise<DialSeen>;
  /** A line for the case's report (what was seen). */
  note(line: string): void;
  /** Record a call's Call-ID so its SIP ladder goes into the report when the case fails. */
  track(callId: string, name: string): void;
}

/** One entry of the catalogue. */
export interface ConformanceCase {
  /** Stable identifier, `GW-<AREA>-<NNN>`; never reused for a different check. */
  readonly id: string;
  /** Bumped when what the case checks changes. */
  readonly version: number;
  readonly title: string;
  /** The DOMAIN.md rule it checks: `DOMAIN.md §n: …`. */
  readonly rule: string;
  readonly tags: readonly string[];
  /** The calls it places, in words. */
  readonly places: string;
  /** What must be observed for it to pass, in words. */
  readonly observes: string;
  readonly needs: readonly Capability[];
  /** Labelled dial targets it dials (meeting labels, see docs/conformance.md). */
  readonly targets: readonly string[];
  /** Needs the Virtual Reception alias. */
  readonly reception?: boolean;
  /** Time allowed, from the target's timings (default 20 s). */
  budgetMs?(timing: Timing): number;
  run(ctx: CaseContext): Promise<void>;
}

/** The result of one case. */
export interface CaseResult {
  id: string;
  version: number;
  title: string;
  rule: string;
  tags: string[];
  status: CaseStatus;
  /** pass: what was seen; fail: "expected …, saw …"; not_applicable: the reason; error: what went wrong. */
  message: string;
  /** What the case saw, line by line. */
  notes: string[];
  durationMs: number;
  /** SIP ladders of the case's calls (failed and errored cases only). */
  samples: CallSample[];
}

export interface ConformanceTargetSummary {
  kind: 'embedded' | 'external';
  /** embedded: the topology files; external: the SIP target as given. */
  description: string;
  capabilities: Capability[];
  breakages: string[];
}

export interface ConformanceReport {
  tool: { name: 'gwsim'; version: string };
  suite: { name: 'gwsim conformance'; catalogueVersion: string };
  target: ConformanceTargetSummary;
  filters: { ids: string[]; tags: string[] };
  startedAt: string;
  durationMs: number;
  /** true only when at least one case ran and every case that ran passed (no fail, no error). */
  ok: boolean;
  counts: Record<CaseStatus, number>;
  cases: CaseResult[];
}
