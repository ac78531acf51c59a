import { ConfigError, randomToken, type Logger } from '@gwsim/common';
import { DnsServer, sipZone } from '@gwsim/dns';
import { MeetServer } from '@gwsim/meet';
import { ConferencingNode, Registrar } from '@gwsim/node';
import { Vtc } from '@gwsim/endpoint';
import type { LoadedScenario } from './scenario-file.ts';

/** Every simulated host of a scenario, started and owned together; `close()` stops them in reverse order. */
export class Topology {
  readonly dns: DnsServer;
  readonly meet: MeetServer;
  readonly nodes: ConferencingNode[];
  readonly endpoints: Map<string, Vtc>;
  /** Meeting label → 13-digit meeting ID. */
  readonly meetings: Map<string, string>;
  /** The Meet admin key generated for this run (held in memory only, never printed). */
  readonly adminKey: string;
  #closed = false;

  private constructor(init: { dns: DnsServer; meet: MeetServer; nodes: ConferencingNode[]; endpoints: Map<string, Vtc>; meetings: Map<string, string>; adminKey: string }) {
    this.adminKey = init.adminKey;
    this.dns = init.dns;
    this.meet = init.meet;
    this.nodes = init.nodes;
    this.endpoints = init.endpoints;
    this.meetings = init.meetings;
  }

  static async start(loaded: LoadedScenario, logger: Logger): Promise<Topology> {
    const s = loaded.scenario;
    const t = s.topology;
    const started: Array<{ close(): Promise<void> }> = [];
    try {
      const adminKey = randomToken(16);
      const meet = await MeetServer.start({ address: t.meet.address, port: t.meet.port, adminKey, knockTimeoutMs: t.meet.knockTimeoutMs, logger: logger.child('meet') });
      started.push(meet);
      meet.service.createTenant(t.tenant);
      const secrets = new Map<string, string>();
      for (const tok of t.tokens) secrets.set(tok.name, meet.service.createToken(t.tenant.domain, tok).secret);
      const meetings = new Map<string, string>();
      for (const m of t.meetings) {
        const snap = meet.service.createMeeting(m.spec);
        if (m.ended) meet.service.endMeeting(snap.meetingId);
        meetings.set(m.label, snap.meetingId);
      }
      const routing = loaded.routing(secrets);
      const nodes: ConferencingNode[] = [];
      const registrar = new Registrar(); // one registration database for the whole simulated platform
      for (const [i, n] of t.nodes.entries()) {
        let admin: { port: number; adminKey: string } | undefined;
        if (n.adminPort !== undefined) {
          const key = process.env.GWSIM_ADMIN_KEY;
          if (!key || key.length < 8) throw new ConfigError(`topology.nodes[${i}].adminPort`, 'an admin API needs a key: set GWSIM_ADMIN_KEY (8 characters or more) in the environment');
          admin = { port: n.adminPort, adminKey: key };
        }
        const node = await ConferencingNode.start({
          name: n.name, location: n.location, address: n.address, routing, meetUrl: meet.url, logger, timers: s.timers, registrar,
          listeners: [
            { transport: 'udp', port: n.sipPort ?? 5060 },
            ...(n.tcpPort !== undefined ? [{ transport: 'tcp' as const, port: n.tcpPort }] : []),
            ...(n.wsPort !== undefined ? [{ transport: 'ws' as const, port: n.wsPort }] : []),
          ],
          capacityUnits: n.capacityUnits, maxQuality: n.maxQuality, lobby: n.lobby, overload: n.overload, admin,
        });
        nodes.push(node);
        started.push(node);
      }
      // The zone is built from the nodes as they listen, so tests can give every port as 0.
      const zone = sipZone({ domain: t.dns.domain, nodes: nodes.map((n) => ({ name: n.name, address: n.sipAddress.address, sipPort: n.sipAddress.port })), ttl: t.dns.ttl, naptr: t.dns.naptr });
      const dns = await DnsServer.start({ address: t.dns.address, port: t.dns.port, zone, faults: t.dns.faults, logger: logger.child('dns') });
      started.push(dns);
      const endpoints = new Map<string, Vtc>();
      for (const e of s.endpoints) {
        const vtc = await Vtc.start({ name: e.name, displayName: e.displayName, domain: t.tenant.domain, address: e.address, dns: [{ address: t.dns.address, port: dns.port }], timers: s.timers, logger });
        endpoints.set(e.name, vtc);
        started.push(vtc);
      }
      return new Topology({ dns, meet, nodes, endpoints, meetings, adminKey });
    } catch (err) {
      for (const c of started.reverse()) await c.close().catch(() => {});
      throw err;
    }
  }

  /** Stop nodes first (their BYEs still reach live endpoints), then endpoints, Meet, DNS. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.nodes.map((n) => n.close()));
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
    await this.meet.close();
    await this.dns.close();
  }
}
