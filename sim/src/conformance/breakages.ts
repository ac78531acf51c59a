/**
 * Deliberately broken set-ups, to show that the suite can fail (sim/test/conformance/interop-broken-configs.test.ts).
 * A breakage edits the embedded topology's scenario before it starts and/or the running topology after.
 */
import { sipZone } from '@gwsim/dns';
import { zoneNodes, type Topology } from '../topology.ts';

/** The scenario as plain data (YAML parsed, not yet validated). */
export type ScenarioDoc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Breakage {
  readonly name: string;
  readonly description: string;
  /** Edit the embedded topology's scenario before it is validated and started. */
  scenario?(doc: ScenarioDoc): void;
  /** Change the running topology (after start, before any case). */
  started?(topology: Topology, deadAddress: string): void;
}

/** Registered callers' rule below the everyone rule: registered callers get the untrusted token. */
const rulesWrongOrder: Breakage = {
  name: 'rules-wrong-order',
  description: 'the Call Routing Rule for registered callers (trusted token) has a higher priority number than the rule for everyone (untrusted token)',
  scenario(doc) {
    const rules = doc.topology?.routing?.rules as Array<Record<string, unknown>> | undefined;
    const registered = rules?.find((r) => r.match_incoming_only_if_registered === true);
    const everyone = rules?.find((r) => r !== registered && r.gms_access_token === 'example.com (untrusted)');
    if (!registered || !everyone) throw new Error('rules-wrong-order: the topology has no registered/everyone rule pair');
    [registered.priority, everyone.priority] = [everyone.priority, registered.priority];
  },
};

/**
 * Meet ignores the host's "Turn on their video" lock. Emulated here (the meeting starts unlocked and host
 * patches that switch the lock on are dropped) until @gwsim/meet has an option for it.
 */
const videoLockIgnored: Breakage = {
  name: 'video-lock-ignored',
  description: 'the video lock has no effect: locked meetings admit gateway callers and switching the lock on removes nobody',
  scenario(doc) {
    // Meet's own switch: a lock that neither refuses nor removes (topology.meet.enforceVideoLock).
    ((doc.topology ??= {}).meet ??= {}).enforceVideoLock = false;
  },
};

/** The gateway hostname's preferred SRV records point at a node that is not there. */
const srvDeadNode: Breakage = {
  name: 'srv-dead-node',
  description: 'the SRV records of the gateway hostname name a node that does not answer, at a better priority than the live nodes',
  started(topology, deadAddress) {
    const t = topology.loaded.scenario.topology;
    const live = zoneNodes(topology.nodes, t.nodes).map((n) => ({ ...n, priority: 10 }));
    topology.dns.zone = sipZone({ domain: t.dns.domain, ttl: t.dns.ttl, nodes: [{ name: 'px09', address: deadAddress, sipPort: 5060, sipsPort: 5061, priority: 5 }, ...live] });
  },
};

export const BREAKAGES: Readonly<Record<string, Breakage>> = Object.freeze({
  [rulesWrongOrder.name]: rulesWrongOrder,
  [videoLockIgnored.name]: videoLockIgnored,
  [srvDeadNode.name]: srvDeadNode,
});
