import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ConfigError, GwsimError } from '@gwsim/common';

/** What the admin API reads; the node provides it. */
export interface AdminSource {
  status(): unknown;
  calls(): unknown[];
  call(id: string): unknown | undefined;
  registrations(): unknown[];
  capacity(): unknown;
  metrics(): string;
}

export interface AdminServerOptions {
  address: string;
  /** 0 picks a free port. */
  port: number;
  /** Required on every request as `x-gwsim-admin-key: <key>` or `Authorization: Bearer <key>`. */
  adminKey: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The node's operations API (read-only): `/api/status`, `/api/calls`, `/api/calls/:id`,
 * `/api/registrations`, `/api/capacity`, and Prometheus `/metrics`. Every route needs the admin key,
 * compared in constant time; the key is never logged or echoed.
 */
export class AdminServer {
  readonly address: string;
  readonly port: number;
  readonly url: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #keyDigest: Buffer;
  #closing: Promise<void> | null = null;

  private constructor(server: Server, options: AdminServerOptions, port: number, source: AdminSource) {
    this.#server = server;
    this.address = options.address;
    this.port = port;
    this.url = `http://${options.address}:${port}`;
    this.#keyDigest = digest(options.adminKey);
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res, source));
  }

  static async start(options: AdminServerOptions, source: AdminSource): Promise<AdminServer> {
    if (typeof options.adminKey !== 'string' || options.adminKey.length < 8) throw new ConfigError('adminKey', 'must be a string of at least 8 characters');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new GwsimError('GWSIM_ERR_TRANSPORT', `cannot listen on ${options.address}:${options.port}: ${err.message}`, { cause: err })));
      server.listen(options.port, options.address, () => resolve());
    });
    const addr = server.address();
    return new AdminServer(server, options, typeof addr === 'object' && addr ? addr.port : options.port, source);
  }

  #authorized(req: IncomingMessage): boolean {
    const header = req.headers['x-gwsim-admin-key'];
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const given = typeof header === 'string' ? header : bearer;
    return given !== undefined && timingSafeEqual(digest(given), this.#keyDigest);
  }

  #handle(req: IncomingMessage, res: ServerResponse, source: AdminSource): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!this.#authorized(req)) return json(401, { error: { code: 'UNAUTHORIZED', message: 'missing or wrong admin key (x-gwsim-admin-key or Authorization: Bearer)' } });
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed; this API is read-only (GET)` } });
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(source.metrics());
      return;
    }
    if (path === '/api/status') return json(200, source.status());
    if (path === '/api/calls') return json(200, { calls: source.calls() });
    if (path === '/api/registrations') return json(200, { registrations: source.registrations() });
    if (path === '/api/capacity') return json(200, source.capacity());
    const m = /^\/api\/calls\/([^/]+)$/.exec(path);
    if (m) {
      const call = source.call(decodeURIComponent(m[1]!));
      return call ? json(200, call) : json(404, { error: { code: 'NOT_FOUND', message: `no call ${m[1]}` } });
    }
    json(404, { error: { code: 'NOT_FOUND', message: `no route ${path} (routes: /api/status, /api/calls, /api/calls/:id, /api/registrations, /api/capacity, /metrics)` } });
  }

  /** Idempotent; closes open connections. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
    return this.#closing;
  }
}
