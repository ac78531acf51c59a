import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, randomToken, type Logger } from '@gwsim/common';
import { DnsServer, sipZone, type SipZoneNode } from '@gwsim/dns';
import { MeetServer, type MeetingSnapshot } from '@gwsim/meet';
import { ConferencingNode, Registrar, type ListenerSpec } from '@gwsim/node';
import { SipJsPersona, Vtc, type EndpointMediaOptions, type EndpointPersona } from '@gwsim/endpoint';
import type { TlsCredentials } from '@gwsim/sip';
import { scenarioTenants, tokenTenant, type LoadedScenario } from './scenario-file.ts';
import type { ScenarioEndpoint } from './scenario-schema.ts';
import { selfSignedCert } from './tls-cert.ts';

type NodeSpec = LoadedScenario['scenario']['topology']['nodes'][number];

/** Every simulated host of a scenario, started and owned together; `close()` stops them in reverse order. */
export class Topology {
  readonly dns: DnsServer;
  readonly meet: MeetServer;
  readonly nodes: ConferencingNode[];
  /** Endpoint name → its persona (`Vtc`, or `SipJsPersona` for `persona: sipjs`). */
  readonly endpoints: Map<string, EndpointPersona>;
  /** Meeting label → 13-digit meeting ID. */
  readonly meetings: Map<string, string>;
  /** The Meet admin key generated for this run (held in memory only, never printed). */
  readonly adminKey: string;
  readonly loaded: LoadedScenario;
  /** Aliases of the Virtual Receptions (IVRs) callers can dial. */
  readonly receptions: readonly string[];
  #closed = false;

  private constructor(init: { loaded: LoadedScenario; receptions: readonly string[]; dns: DnsServer; meet: MeetServer; nodes: ConferencingNode[]; endpoints: Map<string, EndpointPersona>; meetings: Map<string, string>; adminKey: string }) {
    this.loaded = init.loaded;
    this.receptions = init.receptions;
    this.adminKey = init.adminKey;
    this.dns = init.dns;
    this.meet = init.meet;
    this.nodes = init.nodes;
    this.endpoints = init.endpoints;
    this.meetings = init.meetings;
  }

  get closed(): boolean {
    return this.#closed;
  }

  static async start(loaded: LoadedScenario, logger: Logger): Promise<Topology> {
    const s = loaded.scenario;
    const t = s.topology;
    const started: Array<{ close(): Promise<void> }> = [];
    try {
      // GWSIM_MEET_ADMIN_KEY lets `gwsim up` users drive the Meet admin API; otherwise a key nobody sees.
      const envKey = process.env.GWSIM_MEET_ADMIN_KEY;
      const adminKey = envKey && envKey.length >= 8 ? envKey : randomToken(16);
      const meet = await MeetServer.start({ address: t.meet.address, port: t.meet.port, adminKey, knockTimeoutMs: t.meet.knockTimeoutMs, enforceVideoLock: t.meet.enforceVideoLock, logger: logger.child('meet') });
      started.push(meet);
      const tenants = scenarioTenants(s);
      for (const tenant of tenants) meet.service.createTenant(tenant);
      const secrets = new Map<string, string>();
      for (const tok of t.tokens) {
        if (tok.unknown) {
          secrets.set(tok.spec.name, tok.spec.secret ?? randomToken(24)); // the node holds it; Meet never heard of it
          continue;
        }
        const created = meet.service.createToken(tokenTenant(s, tok), tok.spec);
        if (tok.revoked) meet.service.revokeToken(created.token.id);
        secrets.set(tok.spec.name, created.secret);
      }
      const meetings = new Map<string, string>();
      for (const m of t.meetings) {
        const snap = meet.service.createMeeting(m.spec);
        if (m.ended) meet.service.endMeeting(snap.meetingId);
        meetings.set(m.label, snap.meetingId);
      }
      const routing = loaded.routing(secrets);
      const nodes: ConferencingNode[] = [];
      const certs: string[] = [];
      const registrar = new Registrar(); // one registration database for the whole simulated platform
      for (const [i, n] of t.nodes.entries()) {
        let admin: { port: number; adminKey: string } | undefined;
        if (n.adminPort !== undefined) {
          const key = process.env.GWSIM_ADMIN_KEY;
          if (!key || key.length < 8) throw new ConfigError(`topology.nodes[${i}].adminPort`, 'an admin API needs a key: set GWSIM_ADMIN_KEY (8 characters or more) in the environment');
          admin = { port: n.adminPort, adminKey: key };
        }
        const node = await ConferencingNode.start({
          name: n.name, location: n.location, address: n.address, routing, meetUrl: n.meetUrl ?? meet.url, meetTimeoutMs: n.meetTimeoutMs, logger, timers: s.timers, registrar,
          listeners: await listeners(n, loaded.file, certs),
          capacityUnits: n.capacityUnits, maxQuality: n.maxQuality, lobby: n.lobby, overload: n.overload, admin, bridge: n.bridge, mediaWorkers: n.mediaWorkers,
        });
        nodes.push(node);
        started.push(node);
      }
      const zone = sipZone({ domain: t.dns.domain, nodes: zoneNodes(nodes, t.nodes), ttl: t.dns.ttl, naptr: t.dns.naptr });
      const dns = await DnsServer.start({ address: t.dns.address, port: t.dns.port, zone, faults: t.dns.faults, logger: logger.child('dns') });
      started.push(dns);
      const endpoints = new Map<string, EndpointPersona>();
      const domain = tenants[0]!.domain; // the endpoints are rooms of the home tenant
      // TLS and WSS endpoints trust the nodes' certificates (self-signed ones included), nothing else.
      const tls = certs.length ? { ca: certs } : undefined;
      for (const e of s.endpoints) {
        const media = endpointMedia(e, t.nodes);
        const persona: EndpointPersona =
          e.persona === 'sipjs'
            ? await SipJsPersona.start({ name: e.name, displayName: e.displayName, domain, address: e.address, server: webSocketServer(nodes), tls, media, logger })
            : await Vtc.start({ name: e.name, displayName: e.displayName, domain, address: e.address, transport: e.transport, tls, dns: [{ address: t.dns.address, port: dns.port }], timers: s.timers, media, logger });
        endpoints.set(e.name, persona);
        started.push(persona);
      }
      return new Topology({ loaded, receptions: routing.virtual_receptions.map((v) => v.alias), dns, meet, nodes, endpoints, meetings, adminKey });
    } catch (err) {
      for (const c of started.reverse()) await c.close().catch(() => {});
      throw err;
    }
  }

  /** REGISTER every endpoint that asks for it (`register: true`); throws naming the endpoint that failed. */
  async registerEndpoints(): Promise<void> {
    const s = this.loaded.scenario;
    for (const e of s.endpoints) {
      if (!e.register) continue;
      const res = await this.endpoints.get(e.name)!.register(s.topology.dns.domain);
      if (res.status !== 200) throw new Error(`endpoint ${e.name} could not REGISTER: ${res.status} ${res.reason}`);
    }
  }

  /** The meeting as Meet sees it now (dial addresses, host controls, participants). */
  meeting(label: string): MeetingSnapshot {
    const id = this.meetings.get(label);
    if (!id) throw new Error(`no meeting labelled "${label}"`);
    return this.meet.service.getMeeting(id);
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

/**
 * The nodes the domain's DNS zone publishes (SRV and A records), as they listen — so tests can give every
 * port as 0; a node with `srv: false` is left out and reached only by its IP.
 */
export function zoneNodes(nodes: readonly ConferencingNode[], specs: readonly NodeSpec[]): SipZoneNode[] {
  return nodes
    .filter((_, i) => specs[i]?.srv !== false)
    .map((n) => ({ name: n.name, address: n.sipAddress.address, sipPort: n.sipAddress.port, sipsPort: n.listeners.find((l) => l.transport === 'tls')?.port }));
}

/**
 * An endpoint's measured media: its `media`, else — when a node bridges — PCMU audio from the answer,
 * because through a bridge the caller knows it is in the meeting only when Meet echoes its own probe media.
 */
function endpointMedia(e: ScenarioEndpoint, nodes: readonly NodeSpec[]): EndpointMediaOptions | undefined {
  return e.media ?? (nodes.some((n) => n.bridge) ? {} : undefined);
}

/** Where a WebSocket persona connects: the first node with a WS listener, else one with WSS. */
function webSocketServer(nodes: ConferencingNode[]): string {
  for (const kind of ['ws', 'wss'] as const) {
    for (const n of nodes) {
      const l = n.listeners.find((x) => x.transport === kind);
      if (l) return `${kind}://${l.address}:${l.port}`;
    }
  }
  throw new ConfigError('endpoints', 'a sipjs endpoint needs a node with wsPort or wssPort');
}

/** The node's SIP listening points: UDP always, then TCP, TLS, WS, WSS as the scenario asks. */
async function listeners(n: NodeSpec, scenarioFile: string, certs: string[]): Promise<ListenerSpec[]> {
  const out: ListenerSpec[] = [{ transport: 'udp', port: n.sipPort ?? 5060 }];
  if (n.tcpPort !== undefined) out.push({ transport: 'tcp', port: n.tcpPort });
  if (n.wsPort !== undefined) out.push({ transport: 'ws', port: n.wsPort });
  if (n.tlsPort === undefined && n.wssPort === undefined) return out;
  let tls: TlsCredentials;
  if (n.tls) {
    const base = dirname(resolve(scenarioFile));
    tls = { cert: await readFile(resolve(base, n.tls.certFile), 'utf8'), key: await readFile(resolve(base, n.tls.keyFile), 'utf8') };
  } else tls = await selfSignedCert([n.address], n.name);
  certs.push(String(tls.cert));
  if (n.tlsPort !== undefined) out.push({ transport: 'tls', port: n.tlsPort, tls });
  if (n.wssPort !== undefined) out.push({ transport: 'wss', port: n.wssPort, tls });
  return out;
}
