import { ConfigError, silentLogger, systemClock, TypedEmitter, type Clock, type Logger } from '@gwsim/common';
import type { RoutingConfig } from '@gwsim/dialplan';
import { MeetChannelClient, MeetClient, type MeetInteropClient } from '@gwsim/meet';
import { Registrar, TcpTransport, TlsTransport, UdpTransport, UserAgent, WsTransport, type Binding, type IncomingInvite, type RegistrarOptions, type TimerSettings, type TlsCredentials, type Transport, type TransportAddress, type TransportProtocol } from '@gwsim/sip';
import { AdminServer } from './admin-server.ts';
import { MediaHopMetrics } from './bridge-metrics.ts';
import { CallMedia, MediaTicker, type OpenCallMedia } from './call-media.ts';
import { CapacityPool, type CallQuality } from './capacity.ts';
import { GatewayCall, type CallSnapshot, type LobbyPresentation } from './gateway-call.ts';
import type { MediaWorkerDebug } from './media-worker-protocol.ts';
import { MediaWorkerPool, type MediaWorkerStatus } from './media-worker-pool.ts';
import { NodeMetrics } from './node-metrics.ts';
import { OUTCOMES, refusalHeaders } from './outcomes.ts';
import { OverloadGuard, type OverloadOptions } from './overload.ts';

export interface ConferencingNodeOptions {
  /** Node name, e.g. `px01` (used in Warning headers and logs). */
  name: string;
  /** Pexip system location of this node (for `match_source_location`). */
  location?: string;
  /** The node's own loopback address, e.g. 127.0.0.11. */
  address: string;
  /** SIP UDP port; 0 picks a free one (tests). Ignored when `listeners` is given. */
  sipPort?: number;
  /** SIP listening points on the node's address (default: UDP on `sipPort`). */
  listeners?: ListenerSpec[];
  routing: RoutingConfig;
  /** Base URL of the Meet interop service, e.g. http://127.0.0.20:8443. */
  meetUrl: string;
  meetTimeoutMs?: number;
  /**
   * How the node talks to Meet: `channel` (default) — one WebSocket for every call's requests and events;
   * `http` — a request per operation and an SSE stream per call, as the HTTP interop API documents it.
   */
  meetTransport?: 'channel' | 'http';
  /** HD-call units this node can carry (Pexip's resource model). Default 40. */
  capacityUnits?: number;
  /** Highest call quality the node grants. Default fullhd. */
  maxQuality?: CallQuality;
  /** Lobby presentation for untrusted callers (default `answer`: 200 OK and a waiting splash). */
  lobby?: LobbyPresentation;
  /** false: send no media (signalling-only load runs). Default true: marked reception/lobby/meeting frames. */
  media?: boolean;
  /**
   * Bridge each call's media to Meet (call-bridge.ts): a WebRTC leg per call (the join carries an
   * `sdpOffer`), endpoint RTP forwarded both ways once admitted, the node's waiting media in the lobby.
   * Default false: the node plays marked frames and Meet gets no offer.
   */
  bridge?: boolean;
  /**
   * Worker threads that carry the calls' media (RTP ports, DTMF receiver, player, media bridge with its WebRTC
   * peer), each call on the least-loaded one; the signalling thread keeps a small proxy per call. Default 0:
   * the media runs on the node's own thread. See the README's "Threading".
   */
  mediaWorkers?: number;
  /**
   * Read and write the media sockets (RTP ports, the WebRTC leg's ICE socket) in batches with recvmmsg/sendmmsg
   * (UdpBatchSocket, the native addon in packages/media/native) when the addon is available; node:dgram otherwise.
   * Default true. See the README's "Batched UDP I/O".
   */
  batchedIo?: boolean;
  /** Virtual Reception inter-digit timeout (default 5000 ms). */
  receptionDigitTimeoutMs?: number;
  overload?: OverloadOptions;
  /** Start the admin/metrics HTTP API on this port (0 = any) with this key. */
  admin?: { port: number; adminKey: string };
  logger?: Logger;
  clock?: Clock;
  timers?: Partial<TimerSettings>;
  /**
   * The platform's registration database. Pexip replicates registrations across a deployment, so nodes of
   * one simulated platform share one Registrar; without it the node gets its own.
   */
  registrar?: Registrar | RegistrarOptions;
}

export interface ListenerSpec {
  transport: TransportProtocol;
  /** 0 picks a free port. */
  port?: number;
  /** Certificate and key for `tls` and `wss`. */
  tls?: TlsCredentials;
}

async function openTransport(address: string, spec: ListenerSpec, path: string): Promise<Transport> {
  const port = spec.port ?? 0;
  switch (spec.transport) {
    case 'udp':
      return UdpTransport.create({ address, port });
    case 'tcp':
      return TcpTransport.create({ address, port });
    case 'ws':
      return WsTransport.create({ address, port });
    case 'tls':
    case 'wss':
      if (!spec.tls?.key || !spec.tls.cert) throw new ConfigError(`${path}.tls`, `a ${spec.transport} listener needs tls.key and tls.cert (PEM)`);
      return spec.transport === 'tls' ? TlsTransport.create({ address, port, tls: spec.tls }) : WsTransport.create({ address, port, tls: spec.tls });
    default:
      throw new ConfigError(`${path}.transport`, `"${String(spec.transport)}" is not one of udp, tcp, tls, ws, wss`);
  }
}

export type ConferencingNodeEvents = {
  callStarted: [call: CallSnapshot];
  callEnded: [call: CallSnapshot];
};

export interface NodeSnapshot {
  name: string;
  location: string | null;
  sip: TransportAddress & { transport: TransportProtocol };
  listeners: Array<TransportAddress & { transport: TransportProtocol }>;
  admin: string | null;
  closed: boolean;
  activeCalls: number;
  capacity: ReturnType<CapacityPool['dump']>;
  overload: ReturnType<OverloadGuard['dump']>;
  calls: CallSnapshot[];
  registrations: Binding[];
  /** The media worker threads (empty with `mediaWorkers: 0`). */
  mediaWorkers: MediaWorkerStatus[];
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER';

/**
 * A simulated Pexip Conferencing Node: SIP listener, registrar, Call Routing Rules, Meet client, capacity,
 * overload protection, admin/metrics API. Parents own children: the node creates its user agent, calls and
 * admin server, and `close()` ends them all (idempotent).
 */
export class ConferencingNode extends TypedEmitter<ConferencingNodeEvents> {
  readonly name: string;
  readonly location: string | undefined;
  /** The first listener's user agent (UDP unless `listeners` says otherwise). */
  readonly ua: UserAgent;
  /** One user agent per listener. */
  readonly uas: readonly UserAgent[];
  readonly registrar: Registrar;
  readonly capacity: CapacityPool;
  readonly overload: OverloadGuard;
  readonly metrics: NodeMetrics;
  readonly mediaMetrics: MediaHopMetrics;
  readonly #openMedia: OpenCallMedia;
  readonly #mediaPool: MediaWorkerPool | null;
  admin: AdminServer | null = null;
  readonly #options: ConferencingNodeOptions;
  readonly #logger: Logger;
  readonly #meet: MeetInteropClient;
  readonly #clock: Clock;
  readonly #active = new Map<string, GatewayCall>();
  readonly #finished: CallSnapshot[] = [];
  #closed = false;

  private constructor(options: ConferencingNodeOptions, uas: UserAgent[], mediaPool: MediaWorkerPool | null) {
    super();
    this.#options = options;
    this.name = options.name;
    this.location = options.location;
    this.uas = uas;
    this.ua = uas[0]!;
    this.#logger = (options.logger ?? silentLogger).child(options.name);
    this.#clock = options.clock ?? systemClock;
    const meet = { baseUrl: options.meetUrl, timeoutMs: options.meetTimeoutMs };
    this.#meet = options.meetTransport === 'http' ? new MeetClient(meet) : new MeetChannelClient(meet);
    this.registrar = options.registrar instanceof Registrar ? options.registrar : new Registrar({ clock: this.#clock, ...options.registrar });
    this.capacity = new CapacityPool(options.capacityUnits ?? 40);
    this.overload = new OverloadGuard(options.overload);
    this.#mediaPool = mediaPool;
    if (mediaPool) {
      this.#openMedia = (id, offer, o) => mediaPool.open(id, offer, o);
    } else {
      const ticker = new MediaTicker(options.media ?? true);
      this.#openMedia = (_id, offer, o) => CallMedia.open(offer, { address: options.address, ticker, content: o.content, batchedIo: options.batchedIo ?? true, logger: this.#logger });
    }
    this.metrics = new NodeMetrics({
      active: () => this.#active.size,
      lobby: () => [...this.#active.values()].filter((c) => c.state === 'lobby').length,
      capacityUsed: () => this.capacity.used,
      capacityTotal: () => this.capacity.total,
      registrations: () => this.registrar.dump().length,
    });
    this.mediaMetrics = new MediaHopMetrics(this.metrics.registry, (into) => {
      for (const c of this.#active.values()) c.addMediaTotals(into);
    });
  }

  static async start(options: ConferencingNodeOptions): Promise<ConferencingNode> {
    if (options.capacityUnits !== undefined && !(options.capacityUnits >= 0)) throw new ConfigError('capacityUnits', 'must be a number ≥ 0');
    const specs = options.listeners ?? [{ transport: 'udp' as const, port: options.sipPort ?? 0 }];
    if (specs.length === 0) throw new ConfigError('listeners', 'a node needs at least one SIP listener');
    const mediaWorkers = options.mediaWorkers ?? 0;
    if (!Number.isInteger(mediaWorkers) || mediaWorkers < 0) throw new ConfigError('mediaWorkers', 'must be an integer ≥ 0');
    let node: ConferencingNode | null = null;
    let mediaPool: MediaWorkerPool | null = null;
    const uas: UserAgent[] = [];
    try {
      // the workers are ready before the node listens: the first INVITE already has somewhere to put its media
      if (mediaWorkers > 0) mediaPool = await MediaWorkerPool.start({ workers: mediaWorkers, address: options.address, media: options.media ?? true, batchedIo: options.batchedIo ?? true, logger: (options.logger ?? silentLogger).child(options.name) });
      for (const [i, spec] of specs.entries()) {
        const transport = await openTransport(options.address, spec, `listeners[${i}]`);
        // One user agent per listening point; every one hands its requests to the same node.
        uas.push(
          new UserAgent({
            transport,
            clock: options.clock,
            timers: options.timers,
            logger: options.logger,
            product: `gwsim-node/${options.name}`,
            contactUser: options.name,
            onInvite: (inv) => node!.#onInvite(inv),
            onRequest: (req) => {
              if (req.request.method === 'REGISTER') node!.registrar.handle(req);
              else if (req.request.method === 'OPTIONS') req.respond(200, { headers: [['Allow', ALLOW]] });
              else req.respond(405, { headers: [['Allow', ALLOW]] });
            },
          }),
        );
      }
      node = new ConferencingNode(options, uas, mediaPool);
      if (options.admin) node.admin = await AdminServer.start({ address: options.address, ...options.admin }, node.#adminSource());
    } catch (err) {
      await Promise.all(uas.map((u) => u.close()));
      await mediaPool?.close();
      throw err;
    }
    node.#logger.info('listening', { sip: uas.map((u) => `${u.transport.protocol}:${u.transport.local.address}:${u.transport.local.port}`), admin: node.admin?.url ?? null });
    return node;
  }

  /** Where each listener is: `{ udp: {address, port}, tcp: …, ws: … }`. */
  get listeners(): Array<TransportAddress & { transport: TransportProtocol }> {
    return this.uas.map((u) => ({ ...u.transport.local, transport: u.transport.protocol }));
  }

  get sipAddress(): TransportAddress {
    return this.ua.transport.local;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onInvite(inv: IncomingInvite): void {
    const admitted = this.overload.admit();
    if (!admitted.ok) {
      const o = OUTCOMES.NODE_CAPACITY;
      const detail = admitted.reason === 'rate' ? 'call arrival rate above the node limit' : 'too many call setups in progress';
      inv.reject(o.status, o.reason, [...refusalHeaders(o, this.name, detail), ['Retry-After', String(this.overload.retryAfterSeconds)]]);
      this.metrics.shed.inc({ reason: admitted.reason });
      this.metrics.calls.inc({ outcome: 'NODE_CAPACITY' });
      return;
    }
    const call = new GatewayCall(inv, {
      nodeName: this.name,
      location: this.location,
      address: this.ua.transport.local.address,
      routing: this.#options.routing,
      meet: this.#meet,
      registrar: this.registrar,
      capacity: this.capacity,
      openMedia: this.#openMedia,
      bridge: this.#options.bridge ?? false,
      lobby: this.#options.lobby ?? 'answer',
      maxQuality: this.#options.maxQuality ?? 'fullhd',
      receptionDigitTimeoutMs: this.#options.receptionDigitTimeoutMs ?? 5000,
      retryAfterSeconds: this.overload.retryAfterSeconds,
      logger: this.#logger,
      clock: this.#clock,
      onSetupDone: (c) => {
        admitted.done();
        this.metrics.setup.observe((Date.now() - c.snapshot.startedAt) / 1000);
      },
      onEnd: (c) => {
        admitted.done();
        this.#active.delete(c.id);
        const snap = c.dump();
        this.#finished.push(snap);
        if (this.#finished.length > 1000) this.#finished.shift();
        this.metrics.calls.inc({ outcome: snap.outcome ?? 'UNKNOWN' });
        this.mediaMetrics.callEnded(snap.media);
        if (snap.lobbyAt !== null) this.metrics.lobbyWait.observe(((snap.admittedAt ?? snap.endedAt ?? Date.now()) - snap.lobbyAt) / 1000);
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

  #adminSource() {
    return {
      status: () => this.dump(),
      calls: () => this.calls(),
      call: (id: string) => this.calls().find((c) => c.id === id || c.sipCallId === id),
      registrations: () => this.registrar.dump(),
      capacity: () => this.capacity.dump(),
      metrics: () => this.metrics.format(),
    };
  }

  dump(): NodeSnapshot {
    return {
      name: this.name,
      location: this.location ?? null,
      sip: { ...this.sipAddress, transport: this.ua.transport.protocol },
      listeners: this.listeners,
      admin: this.admin?.url ?? null,
      closed: this.#closed,
      activeCalls: this.#active.size,
      capacity: this.capacity.dump(),
      overload: this.overload.dump(),
      calls: this.calls(),
      registrations: this.registrar.dump(),
      mediaWorkers: this.#mediaPool?.status() ?? [],
    };
  }

  /** Each media worker's own account of the calls whose media it holds (debugging). */
  mediaWorkerDebug(): Promise<MediaWorkerDebug[]> {
    return this.#mediaPool?.debug() ?? Promise.resolve([]);
  }

  /**
   * BYE answered calls, refuse pending ones, leave their meetings, then close the SIP stack and end the media
   * workers (each closes the sockets and peers it still holds first). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#active.values()].map((c) => c.shutdown()));
    await this.admin?.close();
    await Promise.all(this.uas.map((u) => u.close()));
    await this.#meet.close?.();
    await this.#mediaPool?.close();
  }

  /** @internal End media worker `index` as if it had crashed (tests of the failure path). */
  killMediaWorker(index: number): Promise<void> {
    return this.#mediaPool?.kill(index) ?? Promise.resolve();
  }
}
