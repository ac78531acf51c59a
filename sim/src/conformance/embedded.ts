/**
 * The embedded target: the simulator itself, from fixtures/conformance/topology.yaml (the main topology the
 * cases share) and side.yaml (a tenant with interoperability off, and nodes that refuse before Meet), with
 * every capability. Both files can be moved to another 127.x.y block so runs and tests do not collide.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '@gwsim/common';
import type { SipZoneNode } from '@gwsim/dns';
import type { Vtc } from '@gwsim/endpoint';
import type { MeetService } from '@gwsim/meet';
import type { CallSnapshot } from '@gwsim/node';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseScenario } from '../scenario-file.ts';
import { Topology } from '../topology.ts';
import type { Breakage, ScenarioDoc } from './breakages.ts';
import type { ConformanceTarget } from './context.ts';
import { CAPABILITIES, type Caller, type DialTarget, type Timing } from './types.ts';

export const CONFORMANCE_TOPOLOGY = new URL('../../../fixtures/conformance/topology.yaml', import.meta.url);
export const CONFORMANCE_SIDE_TOPOLOGY = new URL('../../../fixtures/conformance/side.yaml', import.meta.url);

/** The block the fixtures are written in. */
const FIXTURE_BLOCK = '127.0.54';

/** Side-topology dial targets: label → the node (by name) that produces the outcome. */
const SIDE_TARGETS: Readonly<Record<string, string>> = Object.freeze({ 'interop-off': 'px11', 'node-full': 'px12', 'meet-down': 'px13', 'meet-slow': 'px14' });

/** A 13-digit meeting ID no topology creates (MEETING_NOT_FOUND). */
export const UNKNOWN_MEETING_ID = '9999999999999';

export interface EmbeddedOptions {
  /** Move every `127.0.54.N` of the fixtures to `<block>.N` (default: stay on 127.0.54). */
  block?: string;
  breakages?: readonly Breakage[];
  logger?: Logger;
}

/** Text of a fixture moved to another /24 block, with the breakages' scenario edits applied. */
async function loadFixture(url: URL, block: string, breakages: readonly Breakage[]): Promise<ReturnType<typeof parseScenario>> {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(block)) throw new Error(`block must look like 127.x.y, got "${block}"`);
  const file = fileURLToPath(url);
  let text = (await readFile(file, 'utf8')).replaceAll(`${FIXTURE_BLOCK}.`, `${block}.`);
  const edits = breakages.filter((b) => b.scenario);
  if (edits.length) {
    const doc = parseYaml(text) as ScenarioDoc;
    for (const b of edits) b.scenario!(doc);
    text = stringifyYaml(doc);
  }
  return parseScenario(text, file);
}

export class EmbeddedTarget implements ConformanceTarget {
  readonly kind = 'embedded' as const;
  readonly capabilities = new Set(CAPABILITIES);
  readonly timing: Timing;
  readonly domain: string;
  readonly dnsServer: { address: string; port: number };
  readonly breakages: readonly string[];
  readonly tls = undefined;
  readonly main: Topology;
  readonly side: Topology;
  readonly #block: string;
  readonly #silentMeet: SilentListener;
  readonly #callers: { registered: Caller; unregistered: Caller };

  private constructor(init: { main: Topology; side: Topology; silentMeet: SilentListener; block: string; breakages: readonly string[] }) {
    this.main = init.main;
    this.side = init.side;
    this.#silentMeet = init.silentMeet;
    this.#block = init.block;
    this.breakages = init.breakages;
    const t = init.main.loaded.scenario.topology;
    this.domain = t.dns.domain;
    this.dnsServer = { address: init.main.dns.address, port: init.main.dns.port };
    this.timing = { holdMs: 1000, admitWithinMs: 5000, knockTimeoutMs: t.meet.knockTimeoutMs ?? 300_000, byeWithinMs: 3000 };
    const caller = (name: string, registered: boolean): Caller => {
      const e = init.main.loaded.scenario.endpoints.find((x) => x.name === name)!;
      return { name, displayName: e.displayName ?? name, vtc: init.main.endpoints.get(name) as Vtc, address: e.address, registered };
    };
    this.#callers = { registered: caller('room', true), unregistered: caller('guest', false) };
  }

  /** Start both topologies and register the `room` caller (by node IP, so DNS breakages cannot stop it). */
  static async start(options: EmbeddedOptions = {}): Promise<EmbeddedTarget> {
    const block = options.block ?? FIXTURE_BLOCK;
    const breakages = options.breakages ?? [];
    const logger = options.logger ?? silentLogger;
    const mainLoaded = await loadFixture(CONFORMANCE_TOPOLOGY, block, breakages);
    const sideLoaded = await loadFixture(CONFORMANCE_SIDE_TOPOLOGY, block, []);
    // px14's Meet: accepts connections and never answers (MEET_TIMEOUT).
    const slowUrl = new URL(sideLoaded.scenario.topology.nodes.find((n) => n.name === SIDE_TARGETS['meet-slow'])!.meetUrl!);
    const silentMeet = await SilentListener.start(slowUrl.hostname, Number(slowUrl.port));
    let main: Topology | null = null;
    let side: Topology | null = null;
    try {
      main = await Topology.start(mainLoaded, logger);
      side = await Topology.start(sideLoaded, logger);
      const target = new EmbeddedTarget({ main, side, silentMeet, block, breakages: breakages.map((b) => b.name) });
      for (const b of breakages) b.started?.(main, target.deadAddress());
      const px01 = main.nodes[0]!.sipAddress;
      const reg = await target.#callers.registered.vtc.register(`${px01.address}:${px01.port}`);
      if (reg.status !== 200) throw new Error(`the registered caller could not REGISTER to ${px01.address}: ${reg.status} ${reg.reason}`);
      return target;
    } catch (err) {
      await main?.close();
      await side?.close();
      await silentMeet.close();
      throw err;
    }
  }

  describe(): string {
    const nodes = this.main.nodes.map((n) => `${n.name} ${n.sipAddress.address}`).join(', ');
    return `embedded topology (fixtures/conformance/topology.yaml and side.yaml on ${this.#block}.x): DNS ${this.dnsServer.address}:${this.dnsServer.port} for ${this.domain}, nodes ${nodes}, Meet ${this.main.meet.url}`;
  }

  targetMissing(label: string): string | null {
    if (label === 'unknown' || label in SIDE_TARGETS || this.main.meetings.has(label)) return null;
    return `the embedded topology has no meeting labelled "${label}"`;
  }

  dialTarget(label: string): DialTarget {
    const sideNode = SIDE_TARGETS[label];
    if (sideNode) {
      const node = this.side.nodes.find((n) => n.name === sideNode)!;
      const id = this.side.meetings.get('side')!;
      return { label, meetingId: id, byIp: `${id}@${hostPort(node.sipAddress)}`, byHost: () => null };
    }
    const id = label === 'unknown' ? UNKNOWN_MEETING_ID : this.main.meetings.get(label);
    if (!id) throw new Error(this.targetMissing(label)!);
    const domain = this.domain;
    return { label, meetingId: id, byIp: `${id}@${hostPort(this.main.nodes[0]!.sipAddress)}`, byHost: (scheme = 'sip') => `${scheme}:${id}@${domain}` };
  }

  noMatch(): string {
    return `alice@${hostPort(this.main.nodes[0]!.sipAddress)}`;
  }

  reception(): string | null {
    const alias = this.main.receptions[0];
    return alias ? `${alias}@${hostPort(this.main.nodes[0]!.sipAddress)}` : null;
  }

  caller(kind: 'registered' | 'unregistered'): Caller {
    return this.#callers[kind];
  }

  meet(): MeetService {
    return this.main.meet.service;
  }

  nodeCall(callId: string): CallSnapshot | undefined {
    for (const n of this.main.nodes) {
      const c = n.calls().find((x) => x.sipCallId === callId);
      if (c) return c;
    }
    return undefined;
  }

  liveNodes(): SipZoneNode[] {
    return this.main.nodes.map((n) => ({ name: n.name, address: n.sipAddress.address, sipPort: n.sipAddress.port, sipsPort: n.listeners.find((l) => l.transport === 'tls')?.port }));
  }

  deadAddress(): string {
    return `${this.#block}.250`;
  }

  scratchAddresses(): { dns: string; caller: string } {
    return { dns: `${this.#block}.60`, caller: `${this.#block}.200` };
  }

  async close(): Promise<void> {
    await this.main.close();
    await this.side.close();
    await this.#silentMeet.close();
  }
}

/** A TCP listener that accepts connections and never says anything (a Meet that does not answer). */
class SilentListener {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor() {
    this.#server = net.createServer((socket) => {
      this.#sockets.add(socket.on('error', () => {}).on('close', () => this.#sockets.delete(socket)));
    });
  }

  static async start(address: string, port: number): Promise<SilentListener> {
    const l = new SilentListener();
    await new Promise<void>((resolve, reject) => {
      l.#server.once('error', reject);
      l.#server.listen(port, address, () => resolve());
    });
    return l;
  }

  /** Stop listening and drop the connections it accepted. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }
}

/** `127.0.54.11` on 5060, else `127.0.54.11:5070`. */
function hostPort(a: { address: string; port: number }): string {
  return a.port === 5060 ? a.address : `${a.address}:${a.port}`;
}
