import { silentLogger, systemClock, TypedEmitter, type Clock, type Logger } from '@gwsim/common';
import type { RoutingConfig } from '@gwsim/dialplan';
import { MeetClient } from '@gwsim/meet';
import { UdpTransport, UserAgent, type IncomingInvite, type TimerSettings, type TransportAddress } from '@gwsim/sip';
import { GatewayCall, type CallSnapshot } from './gateway-call.ts';
import { Registrar, type Binding, type RegistrarOptions } from './registrar.ts';

export interface ConferencingNodeOptions {
  /** Node name, e.g. `px01` (used in Warning headers and logs). */
  name: string;
  /** Pexip system location of this node (for `match_source_location`). */
  location?: string;
  /** The node's own loopback address, e.g. 127.0.0.11. */
  address: string;
  /** SIP UDP port; 0 picks a free one (tests). */
  sipPort?: number;
  routing: RoutingConfig;
  /** Base URL of the Meet interop service, e.g. http://127.0.0.20:8443. */
  meetUrl: string;
  meetTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
  timers?: Partial<TimerSettings>;
  /**
   * The platform's registration database. Pexip replicates registrations across a deployment, so nodes of
   * one simulated platform share one Registrar; without it the node gets its own.
   */
  registrar?: Registrar | RegistrarOptions;
}

export type ConferencingNodeEvents = {
  callStarted: [call: CallSnapshot];
  callEnded: [call: CallSnapshot];
};

export interface NodeSnapshot {
  name: string;
  location: string | null;
  sip: TransportAddress & { transport: 'udp' };
  closed: boolean;
  activeCalls: number;
  calls: CallSnapshot[];
  registrations: Binding[];
}

/**
 * A simulated Pexip Conferencing Node: SIP listener, registrar, Call Routing Rules, Meet client. Parents own
 * children: the node creates its user agent and calls, and `close()` ends them all (idempotent).
 */
export class ConferencingNode extends TypedEmitter<ConferencingNodeEvents> {
  readonly name: string;
  readonly location: string | undefined;
  readonly ua: UserAgent;
  readonly registrar: Registrar;
  readonly #logger: Logger;
  readonly #meet: MeetClient;
  readonly #clock: Clock;
  readonly #routing: RoutingConfig;
  readonly #active = new Map<string, GatewayCall>();
  readonly #finished: CallSnapshot[] = [];
  #closed = false;

  private constructor(options: ConferencingNodeOptions, ua: UserAgent) {
    super();
    this.name = options.name;
    this.location = options.location;
    this.ua = ua;
    this.#logger = (options.logger ?? silentLogger).child(options.name);
    this.#clock = options.clock ?? systemClock;
    this.#routing = options.routing;
    this.#meet = new MeetClient({ baseUrl: options.meetUrl, timeoutMs: options.meetTimeoutMs });
    this.registrar = options.registrar instanceof Registrar ? options.registrar : new Registrar({ clock: this.#clock, ...options.registrar });
  }

  static async start(options: ConferencingNodeOptions): Promise<ConferencingNode> {
    const transport = await UdpTransport.create({ address: options.address, port: options.sipPort ?? 0 });
    let node: ConferencingNode | null = null;
    const ua = new UserAgent({
      transport,
      clock: options.clock,
      timers: options.timers,
      logger: options.logger,
      product: `gwsim-node/${options.name}`,
      contactUser: options.name,
      onInvite: (inv) => node!.#onInvite(inv),
      onRequest: (req) => {
        if (req.request.method === 'REGISTER') node!.registrar.handle(req);
        else if (req.request.method === 'OPTIONS') req.respond(200, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER']]});
        else req.respond(405, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER']] });
      },
    });
    node = new ConferencingNode(options, ua);
    node.#logger.info('listening', { sip: `udp:${transport.local.address}:${transport.local.port}` });
    return node;
  }

  get sipAddress(): TransportAddress {
    return this.ua.transport.local;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onInvite(inv: IncomingInvite): void {
    const call = new GatewayCall(inv, {
      nodeName: this.name,
      location: this.location,
      address: this.ua.transport.local.address,
      routing: this.#routing,
      meet: this.#meet,
      registrar: this.registrar,
      logger: this.#logger,
      now: () => Date.now(),
      onEnd: (c) => {
        this.#active.delete(c.id);
        const snap = c.dump();
        this.#finished.push(snap);
        if (this.#finished.length > 1000) this.#finished.shift();
        this.#logger.info('call ended', { call: c.id, outcome: snap.outcome, endedBy: snap.endedBy, alias: snap.alias });
        this.emit('callEnded', snap);
      },
    });
    this.#active.set(call.id, call);
    this.emit('callStarted', call.dump());
    call.run().catch((err: Error) => {
      this.#logger.error('call failed', { call: call.id, error: err.message });
      inv.reject(500, 'Server Internal Error');
    });
  }

  /** Active and recently finished calls. */
  calls(): CallSnapshot[] {
    return [...[...this.#active.values()].map((c) => c.dump()), ...this.#finished];
  }

  dump(): NodeSnapshot {
    return {
      name: this.name,
      location: this.location ?? null,
      sip: { ...this.sipAddress, transport: 'udp' },
      closed: this.#closed,
      activeCalls: this.#active.size,
      calls: this.calls(),
      registrations: this.registrar.dump(),
    };
  }

  /** BYE connected calls, refuse pending ones, leave their meetings, then close the SIP stack. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#active.values()].map((c) => c.shutdown()));
    await this.ua.close();
  }
}
