/**
 * What a target (the embedded topology, or an external SIP target) gives the runner, and the per-case
 * context built on it: every call a case places and every host it starts is owned by the case's scope and
 * hung up or closed when the case ends, whatever its verdict.
 */
import { errorMessage, GwsimError, silentLogger } from '@gwsim/common';
import { DnsServer, sipZone } from '@gwsim/dns';
import { Vtc } from '@gwsim/endpoint';
import type { MeetService } from '@gwsim/meet';
import type { CallSnapshot } from '@gwsim/node';
import type { SipZoneNode } from '@gwsim/dns';
import type { TlsCredentials } from '@gwsim/sip';
import { dial as placeCall, hangup, type DialSeen } from './caller.ts';
import type { Caller, CaseContext, CaseZone, Capability, DialTarget, Timing } from './types.ts';

/** A target the catalogue runs against. */
export interface ConformanceTarget {
  readonly kind: 'embedded' | 'external';
  readonly capabilities: ReadonlySet<Capability>;
  readonly timing: Timing;
  readonly domain: string | null;
  readonly dnsServer: { address: string; port: number } | null;
  readonly breakages: readonly string[];
  /** One line: what the suite runs against. */
  describe(): string;
  /** null when `label` can be dialled; otherwise why it cannot. */
  targetMissing(label: string): string | null;
  dialTarget(label: string): DialTarget;
  noMatch(): string;
  reception(): string | null;
  caller(kind: 'registered' | 'unregistered'): Caller;
  meet(): MeetService;
  nodeCall(callId: string): CallSnapshot | undefined;
  liveNodes(): SipZoneNode[];
  deadAddress(): string;
  /** Where a case's own DNS servers and callers bind (port 0). */
  scratchAddresses(): { dns: string; caller: string };
  /** TLS trust for callers the cases start. */
  readonly tls: TlsCredentials | undefined;
  close(): Promise<void>;
}

/** Resources and findings of one case while it runs. */
export class CaseScope {
  readonly controller = new AbortController();
  readonly notes: string[] = [];
  readonly calls: Array<{ callId: string; name: string }> = [];
  readonly #cleanups: Array<() => Promise<unknown>> = [];

  defer(fn: () => Promise<unknown>): void {
    this.#cleanups.push(fn);
  }

  /** Run the clean-ups, newest first, each given at most `eachMs`. Never throws. */
  async dispose(eachMs = 3000): Promise<void> {
    for (const fn of this.#cleanups.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([fn().catch(() => {}), new Promise((r) => (timer = setTimeout(r, eachMs)))]);
      clearTimeout(timer);
    }
  }
}

/** A CaseContext over a target, owned by `scope`. */
export function caseContext(target: ConformanceTarget, scope: CaseScope): CaseContext {
  const require = (capability: Capability, what: string) => {
    if (!target.capabilities.has(capability)) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `${what} needs the ${capability} capability, which this target does not have`);
  };
  return {
    target: target.kind,
    timing: target.timing,
    signal: scope.controller.signal,
    domain: target.domain,
    dnsServer: target.dnsServer,
    has: (c) => target.capabilities.has(c),
    dialTarget: (label) => target.dialTarget(label),
    noMatch: () => target.noMatch(),
    reception: () => target.reception(),
    caller: (kind) => target.caller(kind),
    meet() {
      require('meet-control', 'meet()');
      return target.meet();
    },
    nodeCall(callId) {
      require('node-stats', 'nodeCall()');
      return target.nodeCall(callId);
    },
    liveNodes() {
      require('topology-control', 'liveNodes()');
      return target.liveNodes();
    },
    deadAddress() {
      require('topology-control', 'deadAddress()');
      return target.deadAddress();
    },
    async startDns(zone: CaseZone) {
      require('topology-control', 'startDns()');
      const server = await DnsServer.start({ address: target.scratchAddresses().dns, port: 0, zone: sipZone({ domain: zone.domain, nodes: zone.nodes, ttl: 0 }), faults: zone.faults });
      scope.defer(() => server.close());
      return { address: server.address, port: server.port, faultsMatched: () => server.faults.list().reduce((n, f) => n + f.matched, 0) };
    },
    async startCaller(options) {
      const address = target.scratchAddresses().caller;
      const vtc = await Vtc.start({ name: options.name, displayName: options.name, domain: target.domain ?? 'example.com', address, dns: [options.dns], dnsTimeoutMs: 500, timers: options.timers, tls: target.tls, logger: silentLogger });
      scope.defer(() => vtc.close());
      return { name: options.name, displayName: options.name, vtc, address, registered: false };
    },
    note: (line) => void scope.notes.push(line),
    track: (callId, name) => void scope.calls.push({ callId, name }),
    async dial(caller, dialString, name, answerTimeoutMs) {
      let seen: DialSeen;
      try {
        seen = await placeCall(caller, dialString, { signal: scope.controller.signal, answerTimeoutMs });
      } catch (err) {
        throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `could not dial ${dialString}: ${errorMessage(err)}`, { cause: err });
      }
      if (seen.callId) scope.calls.push({ callId: seen.callId, name });
      if (seen.call) scope.defer(() => hangup(seen.call));
      return seen;
    },
  };
}
