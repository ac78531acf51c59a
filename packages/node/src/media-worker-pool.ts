/**
 * The media worker threads of a node (option `mediaWorkers`): each runs the media of the calls assigned to it
 * (media-worker.ts), and the signalling thread holds a `RemoteCallMedia` per call that turns the
 * CallMediaHandle calls into control messages. Packets never cross threads; counts come back every
 * MEDIA_STATS_EVERY_MS and, final, in the reply to `close`.
 *
 * Assignment: least-loaded (fewest calls; ties go round-robin). Call ids are random, so hashing them would
 * balance only on average: with the tens of calls a node carries one worker can easily get twice its share,
 * and a per-call pick among a handful of workers costs nothing.
 *
 * A worker that dies (uncaught error, exit) fails loudly: the error is logged, every pending operation rejects
 * with the reason, and each of its calls is told through `onFailed` (GatewayCall ends it). It is not restarted;
 * new calls go to the workers still alive, and with none alive a call's media cannot be opened.
 */
import { GwsimError, startTsWorker, type Logger } from '@gwsim/common';
import type { SessionDescription, MarkedState } from '@gwsim/media';
import type { Worker } from 'node:worker_threads';
import { MEDIA_HOPS, type HopCount, type MediaHop } from './bridge-stats.ts';
import type { CallMediaHandle, CallMediaOpenOptions, CallMediaPorts, CallMediaStats } from './call-media.ts';
import type { FromMediaWorker, MediaOp, MediaOpResult, MediaWorkerDebug, MediaWorkerInit } from './media-worker-protocol.ts';

/** Loading tsx, @gwsim/media and werift in a fresh thread takes a second or two; a loaded machine, longer. */
const READY_TIMEOUT_MS = 60_000;
/** No control operation takes this long on a healthy worker (a WebRTC offer is the slowest, in milliseconds). */
const OP_TIMEOUT_MS = 15_000;
/** How long `close` lets a worker close its calls' sockets and peers before terminating it. */
const STOP_TIMEOUT_MS = 5000;

export interface MediaWorkerPoolOptions {
  workers: number;
  /** The node's address: the workers bind every socket here. */
  address: string;
  /** false: signalling-only (the players send nothing). */
  media: boolean;
  /** Batched UDP I/O for the calls' sockets (ConferencingNodeOptions.batchedIo; default true). */
  batchedIo?: boolean;
  logger: Logger;
}

/** One worker as the node sees it (NodeSnapshot). */
export interface MediaWorkerStatus {
  index: number;
  threadId: number;
  alive: boolean;
  calls: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new GwsimError('GWSIM_ERR_TIMEOUT', `${what} after ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

class MediaWorker {
  readonly index: number;
  readonly worker: Worker;
  readonly threadId: number;
  readonly log: Logger;
  readonly ready: Promise<void>;
  /** Calls assigned here: opening (counted from the request on, so concurrent opens spread) or open. */
  load = 0;
  alive = true;
  readonly calls = new Map<string, RemoteCallMedia>();
  readonly #pending = new Map<number, Pending>();
  readonly #scoped = new Map<string, Logger>();
  #nextReq = 1;
  #stopping = false;

  constructor(index: number, options: MediaWorkerPoolOptions) {
    this.index = index;
    this.log = options.logger.child(`media-worker-${index}`);
    const init: MediaWorkerInit = { address: options.address, media: options.media, batchedIo: options.batchedIo ?? true };
    this.worker = startTsWorker(new URL('./media-worker.ts', import.meta.url), { workerData: init });
    this.threadId = this.worker.threadId;
    let ready!: () => void;
    let failed!: (err: Error) => void;
    this.ready = new Promise<void>((res, rej) => ((ready = res), (failed = rej)));
    this.ready.catch(() => {}); // awaited by the pool; a failure before that must not be unhandled
    this.worker.on('message', (m: FromMediaWorker) => {
      if (m.type === 'ready') ready();
      else if (m.type === 'failed') failed(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `media worker ${index}: ${m.message}`));
      else this.#onMessage(m);
    });
    this.worker.on('error', (err) => {
      failed(err);
      this.#died(`uncaught ${err.message}`);
    });
    this.worker.on('exit', (code) => {
      failed(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `media worker ${index} exited (code ${code}) before it was ready`));
      this.#died(`exited with code ${code}`);
    });
  }

  request<O extends MediaOp>(op: O): Promise<MediaOpResult[O['op']]> {
    if (!this.alive) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', `media worker ${this.index} (thread ${this.threadId}) is gone`));
    const req = this.#nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(req);
        reject(new GwsimError('GWSIM_ERR_TIMEOUT', `media worker ${this.index}: ${op.op} not answered in ${OP_TIMEOUT_MS} ms`));
      }, OP_TIMEOUT_MS);
      this.#pending.set(req, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.worker.postMessage({ ...op, req });
    });
  }

  /** Stop taking calls: the worker closes what it still holds, then the thread ends. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.#stopping = true;
      await withTimeout(this.request({ op: 'stop' }), STOP_TIMEOUT_MS, `media worker ${this.index} did not stop`).catch((err: Error) => this.log.warn('media worker stop', { error: err.message }));
    }
    await this.worker.terminate();
  }

  forget(call: string): void {
    if (this.calls.delete(call)) this.load--;
  }

  #onMessage(m: Exclude<FromMediaWorker, { type: 'ready' | 'failed' }>): void {
    switch (m.type) {
      case 'reply': {
        const p = this.#pending.get(m.req);
        if (!p) return;
        this.#pending.delete(m.req);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', m.error));
        return;
      }
      case 'key':
        this.calls.get(m.call)?.key(m.key);
        return;
      case 'stats':
        for (const [call, stats] of m.calls) this.calls.get(call)?.update(stats);
        return;
      case 'log': {
        let log = this.log;
        if (m.scope) {
          log = this.#scoped.get(m.scope) ?? this.log.child(m.scope);
          this.#scoped.set(m.scope, log);
        }
        log[m.level](m.msg, m.fields);
        return;
      }
    }
  }

  #died(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    const err = new GwsimError('GWSIM_ERR_CLOSED', `media worker ${this.index} (thread ${this.threadId}) ${this.#stopping ? 'stopped' : `died: ${reason}`}`);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
    if (this.#stopping) return;
    this.log.error('media worker died: its calls lose their media', { thread: this.threadId, reason, calls: this.calls.size });
    for (const call of this.calls.values()) call.fail(err.message);
  }
}

/** A call's media on a worker, as the signalling thread holds it. */
export class RemoteCallMedia implements CallMediaHandle {
  readonly id: string;
  readonly ports: CallMediaPorts;
  readonly #worker: MediaWorker;
  readonly #onFailed: (reason: string) => void;
  #stats: CallMediaStats = { rtp: { packetsIn: 0, packetsOut: 0 }, bridge: null };
  #onKey: ((key: string) => void) | null = null;
  #keys = false;
  #closing: Promise<CallMediaStats> | null = null;

  constructor(id: string, worker: MediaWorker, ports: CallMediaPorts, onFailed: (reason: string) => void) {
    this.id = id;
    this.#worker = worker;
    this.ports = ports;
    this.#onFailed = onFailed;
  }

  onKey(fn: ((key: string) => void) | null): void {
    this.#onKey = fn;
    const on = fn !== null;
    if (on === this.#keys) return;
    this.#keys = on;
    this.#send({ op: 'keys', call: this.id, on });
  }

  play(state: MarkedState): void {
    this.#send({ op: 'play', call: this.id, state });
  }

  openBridge(answer: SessionDescription, name: string): Promise<string> {
    return this.#worker.request({ op: 'openBridge', call: this.id, answer, name });
  }

  async acceptBridge(sdpAnswer: string): Promise<void> {
    await this.#worker.request({ op: 'acceptBridge', call: this.id, sdpAnswer });
  }

  async closeBridge(): Promise<void> {
    if (this.#closing) return;
    await this.#worker.request({ op: 'closeBridge', call: this.id });
  }

  stats(): CallMediaStats {
    return this.#stats;
  }

  addTotals(into: Record<MediaHop, HopCount>): void {
    const totals = this.#stats.bridge?.totals;
    if (!totals) return;
    for (const hop of MEDIA_HOPS) {
      into[hop].packets += totals[hop].packets;
      into[hop].bytes += totals[hop].bytes;
    }
  }

  close(): Promise<CallMediaStats> {
    this.#closing ??= this.#worker
      .request({ op: 'close', call: this.id })
      .then((final) => (this.#stats = final))
      .finally(() => this.#worker.forget(this.id));
    return this.#closing;
  }

  /** @internal A key the worker decoded. */
  key(key: string): void {
    this.#onKey?.(key);
  }

  /** @internal The worker's latest counts. */
  update(stats: CallMediaStats): void {
    this.#stats = stats;
  }

  /** @internal The worker died. */
  fail(reason: string): void {
    if (!this.#closing) this.#onFailed(reason);
  }

  /** Control without an answer to wait for: a failure is logged (after a worker died, nothing is sent). */
  #send(op: MediaOp): void {
    if (this.#closing || !this.#worker.alive) return;
    this.#worker.request(op).catch((err: Error) => this.#worker.log.warn('media operation failed', { call: this.id, op: op.op, error: err.message }));
  }
}

export class MediaWorkerPool {
  readonly #workers: MediaWorker[];
  #next = 0;
  #closed = false;

  private constructor(workers: MediaWorker[]) {
    this.#workers = workers;
  }

  /** Resolves once every worker has loaded; rejects (and ends the ones that did) if any cannot. */
  static async start(options: MediaWorkerPoolOptions): Promise<MediaWorkerPool> {
    const pool = new MediaWorkerPool(Array.from({ length: options.workers }, (_, i) => new MediaWorker(i, options)));
    try {
      await withTimeout(Promise.all(pool.#workers.map((w) => w.ready)), READY_TIMEOUT_MS, 'media workers not ready');
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Open a call's media on the least-loaded worker alive. */
  async open(call: string, offer: SessionDescription, options: CallMediaOpenOptions): Promise<RemoteCallMedia> {
    const w = this.#closed ? null : this.#pick();
    if (!w) throw new GwsimError('GWSIM_ERR_CLOSED', this.#closed ? 'media workers stopped' : 'no media worker alive');
    w.load++;
    try {
      const ports = await w.request({ op: 'open', call, offer, content: options.content });
      const media = new RemoteCallMedia(call, w, ports, options.onFailed);
      w.calls.set(call, media);
      return media;
    } catch (err) {
      w.load--;
      // an open that timed out here may still complete there: make sure nothing stays behind
      if (err instanceof GwsimError && err.code === 'GWSIM_ERR_TIMEOUT') w.request({ op: 'close', call }).catch(() => {});
      throw err;
    }
  }

  #pick(): MediaWorker | null {
    let best: MediaWorker | null = null;
    const n = this.#workers.length;
    for (let k = 0; k < n; k++) {
      const w = this.#workers[(this.#next + k) % n]!;
      if (w.alive && (best === null || w.load < best.load)) best = w;
    }
    if (best) this.#next = (best.index + 1) % n;
    return best;
  }

  status(): MediaWorkerStatus[] {
    return this.#workers.map((w) => ({ index: w.index, threadId: w.threadId, alive: w.alive, calls: w.calls.size }));
  }

  /** Each live worker's own account of the media it holds. */
  debug(): Promise<MediaWorkerDebug[]> {
    return Promise.all(this.#workers.filter((w) => w.alive).map((w) => w.request({ op: 'dump' })));
  }

  /** @internal End a worker as if it had crashed (tests of the failure path). */
  async kill(index: number): Promise<void> {
    await this.#workers[index]?.worker.terminate();
  }

  /** Every worker closes the media it still holds, then its thread ends. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.stop()));
  }
}
