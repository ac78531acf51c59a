/**
 * MeetServer: the mock Meet interop service on a real HTTP socket. It routes the interop API (bearer
 * token) and the admin/host API (admin key) to a MeetService. `close()` is idempotent, ends event streams
 * and destroys every open connection, so keep-alive clients (undici) cannot hold a test open.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError, GwsimError, parse, silentLogger, systemClock, type Clock, type Logger } from '@gwsim/common';
import { isLoopbackAddress, requireLoopbackAddress, type MediaMode } from '@gwsim/media';
import { adminRoutes } from './admin-routes.ts';
import { API_ERRORS, MeetError } from './errors.ts';
import { bearerSecret, MAX_BODY_BYTES, readJsonBody, requireAdminKey, sendError, sendJson } from './http-io.ts';
import { InteropChannelServer } from './interop-channel.ts';
import { interopRoutes } from './interop-routes.ts';
import { REFUSALS } from './refusals.ts';
import type { RequestContext, Route } from './route-types.ts';
import { Router } from './router.ts';
import { MeetService, type MeetServiceDump } from './service.ts';
import { emptySchema } from './specs.ts';
import { WebRtcAnswerer, type WebRtcAnswererDump } from './webrtc-answerer.ts';

export interface MeetMediaOptions {
  /** The loopback address WebRTC peers bind (default: the server's address, which must then be loopback). */
  address?: string;
  /** `echo` (default) or `synthetic`. */
  mode?: MediaMode;
  syntheticIntervalMs?: number;
  answerTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export interface MeetServerOptions {
  /** Address to bind (tests use their own 127.x.y.z). */
  address: string;
  /** 0 picks a free port. */
  port: number;
  /** Required on every admin/host request as `x-gwsim-admin-key`. */
  adminKey: string;
  logger?: Logger;
  clock?: Clock;
  knockTimeoutMs?: number;
  /** See MeetServiceOptions.enforceVideoLock (default true). */
  enforceVideoLock?: boolean;
  /** Serve an existing service instead of creating one (the server then does not close it). */
  service?: MeetService;
  /** SSE keep-alive comment interval (default 15 s). */
  heartbeatMs?: number;
  maxBodyBytes?: number;
  /**
   * The WebRTC answerer for joins that carry an `sdpOffer` (default on, echo mode, on the server's address
   * when that is loopback). `false` (or a non-loopback server address without `media.address`): no media,
   * an offer is ignored and the join answer has no `sdpAnswer`. Joins without an offer never create a peer.
   */
  media?: MeetMediaOptions | false;
}

export interface MeetServerDump {
  readonly url: string;
  readonly closed: boolean;
  readonly connections: number;
  readonly eventStreams: number;
  /** Open interop channels (WebSocket, one per gateway node). */
  readonly channels: number;
  readonly service: MeetServiceDump;
  readonly media: WebRtcAnswererDump | null;
}

/** How long close() lets ended event streams flush before destroying their sockets. */
const CLOSE_FLUSH_MS = 250;

/** Resolves when every response has finished writing (or `ms` passed). */
function flushed(responses: ServerResponse[], ms: number): Promise<void> {
  const pending = responses.filter((r) => !r.writableFinished && !r.destroyed);
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = pending.length;
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const one = () => {
      if (--left === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const r of pending) r.once('close', one);
  });
}

/**
 * Where the answerer's peers bind. WebRTC legs never leave loopback: an explicit `media.address` must be a
 * loopback address (ConfigError otherwise); without one, the server's address when it is loopback, else
 * undefined (a server on a container's address runs without the answerer unless told where media goes).
 */
export function mediaAddressFor(serverAddress: string, media: MeetMediaOptions): string | undefined {
  if (media.address !== undefined) return requireLoopbackAddress(media.address, 'media.address');
  return isLoopbackAddress(serverAddress) ? serverAddress : undefined;
}

const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="gwsim-meet"' };

export class MeetServer {
  readonly url: string;
  readonly address: string;
  readonly port: number;
  readonly service: MeetService;
  /** The WebRTC answerer (undefined with `media: false`, or on a non-loopback address without `media.address`). */
  readonly answerer: WebRtcAnswerer | undefined;
  readonly #server: Server;
  readonly #ownsService: boolean;
  readonly #options: MeetServerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #router: Router<Route>;
  readonly #sockets: Set<Socket>;
  readonly #streams = new Map<ServerResponse, () => void>();
  readonly #channel: InteropChannelServer;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    server: Server;
    sockets: Set<Socket>;
    service: MeetService;
    answerer: WebRtcAnswerer | undefined;
    owns: boolean;
    options: MeetServerOptions;
    port: number;
  }) {
    this.#server = init.server;
    this.#sockets = init.sockets;
    this.service = init.service;
    this.answerer = init.answerer;
    this.#ownsService = init.owns;
    this.#options = init.options;
    this.#log = init.options.logger ?? silentLogger;
    this.#clock = init.options.clock ?? systemClock;
    this.address = init.options.address;
    this.port = init.port;
    this.url = `http://${this.address.includes(':') ? `[${this.address}]` : this.address}:${this.port}`;
    this.#router = new Router<Route>([...interopRoutes({ heartbeatMs: init.options.heartbeatMs }), ...adminRoutes()]);
    this.#server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res));
    this.#channel = new InteropChannelServer(this.service, this.answerer, this.#log.child('channel'));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.closed) return void socket.destroy();
      this.#channel.handleUpgrade(req, socket, head);
    });
  }

  static async start(options: MeetServerOptions): Promise<MeetServer> {
    if (typeof options.adminKey !== 'string' || options.adminKey.length < 8) {
      throw new ConfigError('adminKey', 'must be a string of at least 8 characters');
    }
    const media = options.media === false ? undefined : (options.media ?? {});
    const mediaAddress = media && mediaAddressFor(options.address, media);
    if (media && !mediaAddress) {
      options.logger?.warn('WebRTC answerer off: the server address is not a loopback address; give media.address', { address: options.address });
    }
    const owns = !options.service;
    const service =
      options.service ?? new MeetService({ clock: options.clock, knockTimeoutMs: options.knockTimeoutMs, enforceVideoLock: options.enforceVideoLock, logger: options.logger?.child('service') });
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 });
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.address, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      if (owns) service.close();
      throw new GwsimError('GWSIM_ERR_TRANSPORT', `Meet server cannot listen on ${options.address}:${options.port}`, { cause: err });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const answerer = media && mediaAddress ? new WebRtcAnswerer(service, { ...media, address: mediaAddress, logger: options.logger?.child('webrtc') }) : undefined;
    const meet = new MeetServer({ server, sockets, service, answerer, owns, options, port });
    meet.#log.info('listening', { url: meet.url });
    return meet;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Stop listening, end event streams, destroy connections; closes the service if the server made it. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      // Closing the service first sends each open stream its terminal event (SERVICE_CLOSED).
      const streams = [...this.#streams.keys()];
      if (this.#ownsService) this.service.close();
      this.#channel.close();
      for (const end of [...this.#streams.values()]) end();
      this.#streams.clear();
      await this.answerer?.close();
      await flushed(streams, CLOSE_FLUSH_MS);
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
      await closed;
      this.#log.info('closed', { url: this.url });
    })();
    return this.#closing;
  }

  dump(): MeetServerDump {
    return Object.freeze({
      url: this.url,
      closed: this.closed,
      connections: this.#sockets.size,
      eventStreams: this.#streams.size,
      channels: this.#channel.connections,
      service: this.service.dump(),
      media: this.answerer?.dump() ?? null,
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const pathname = (req.url ?? '/').split('?')[0]!;
    // Logged: the route pattern only, never the raw path (which a careless caller could put anything in).
    let routePath = '(no route)';
    res.on('close', () => {
      const fields = { method, route: routePath, status: res.statusCode, ms: Math.round(performance.now() - started) };
      this.#log.debug(res.writableFinished ? 'request' : 'request closed early', fields);
    });
    try {
      const found = this.#router.match(method, pathname);
      if (found.kind === 'not_found') {
        req.resume();
        return sendError(res, 404, 'NOT_FOUND', `No route for ${pathname}.`);
      }
      if (found.kind === 'method_not_allowed') {
        req.resume();
        return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${found.allow.join(', ')}.`, {
          headers: { allow: found.allow.join(', ') },
        });
      }
      routePath = found.route.path;
      if (this.closed) throw new MeetError('UNAVAILABLE');
      const ctx = await this.#context(req, res, found.route, found.params);
      if (!ctx) return;
      const reply = await found.route.handle(ctx);
      if ('status' in reply) sendJson(res, reply.status, reply.body);
    } catch (err) {
      this.#fail(req, res, err);
    }
  }

  /** Authenticate, then read the body. Returns undefined when it has already answered. */
  async #context(req: IncomingMessage, res: ServerResponse, route: Route, params: Record<string, string>): Promise<RequestContext | undefined> {
    let secret: string | undefined;
    let token: RequestContext['token'];
    if (route.auth === 'admin') {
      requireAdminKey(req, this.#options.adminKey);
    } else {
      secret = bearerSecret(req);
      token = secret === undefined ? undefined : this.service.authenticate(secret);
      if (!token) {
        req.resume();
        // One answer for missing, unknown and revoked tokens: nothing tells them apart.
        sendError(res, REFUSALS.TOKEN_INVALID.status, 'TOKEN_INVALID', REFUSALS.TOKEN_INVALID.message, { headers: WWW_AUTHENTICATE });
        return undefined;
      }
    }
    let body: unknown;
    if (route.body === 'none') req.resume();
    else body = parse(route.body === 'empty' ? emptySchema : route.body, await readJsonBody(req, this.#options.maxBodyBytes ?? MAX_BODY_BYTES));
    return {
      req,
      res,
      params,
      service: this.service,
      answerer: this.answerer,
      body,
      token,
      secret,
      clock: this.#clock,
      log: this.#log,
      trackStream: (stream, onClose) => {
        this.#streams.set(stream, onClose);
        return () => this.#streams.delete(stream);
      },
    };
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof ConfigError) {
      sendError(res, 400, 'INVALID_REQUEST', err.message, { path: err.path });
    } else if (err instanceof MeetError) {
      const headers: Record<string, string> = {};
      // Stop reading an oversize body: answer, then close the connection.
      if (err.apiCode === 'PAYLOAD_TOO_LARGE') headers.connection = 'close';
      sendError(res, err.status, err.apiCode, err.message, { headers });
      if (err.apiCode === 'PAYLOAD_TOO_LARGE') req.resume();
    } else if (err instanceof GwsimError && err.code === 'GWSIM_ERR_CLOSED') {
      sendError(res, 503, 'UNAVAILABLE', API_ERRORS.UNAVAILABLE.message);
    } else {
      this.#log.error('request failed', { method: req.method, error: err instanceof Error ? err.message : String(err) });
      sendError(res, 500, 'INTERNAL', API_ERRORS.INTERNAL.message);
    }
  }
}
