/**
 * Entry of a media worker thread (started by media-worker-pool.ts). It runs the `CallMedia` of the calls the
 * node assigns to it — RTP ports, RFC 4733 receiver, the player on this thread's own 20 ms ticker, and the
 * CallBridge with its WebRTC peer — so every packet of those calls is handled here. The signalling thread
 * sends control operations; this thread answers each, and sends keys, counts and log lines as they come.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { GwsimError, type Logger } from '@gwsim/common';
import { emptyHops } from './bridge-stats.ts';
import { CallMedia, MediaTicker, type CallMediaStats } from './call-media.ts';
import { MEDIA_STATS_EVERY_MS, type FromMediaWorker, type MediaOp, type MediaOpResult, type MediaWorkerInit, type ToMediaWorker } from './media-worker-protocol.ts';

const port = parentPort!;
const init = workerData as MediaWorkerInit;
const post = (m: FromMediaWorker) => port.postMessage(m);
const ticker = new MediaTicker(init.media);
const calls = new Map<string, CallMedia>();
/** What was last pushed per call, as a cheap signature: calls whose media did not move are not pushed again. */
const pushed = new Map<string, string>();
/** Calls closed but whose sockets and peers are still closing (`stop` waits for them). */
const releasing = new Set<Promise<void>>();

function forwardingLogger(scope: string): Logger {
  const send = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    try {
      post({ type: 'log', level, scope, msg, fields });
    } catch {
      // a field that cannot be cloned (a function, a socket): its text still says what happened
      post({ type: 'log', level, scope, msg, fields: { fields: String(fields) } });
    }
  };
  return { debug: send('debug'), info: send('info'), warn: send('warn'), error: send('error'), child: (s) => forwardingLogger(scope ? `${scope}:${s}` : s) };
}
const log = forwardingLogger('');

function mediaOf(call: string): CallMedia {
  const m = calls.get(call);
  if (!m) throw new GwsimError('GWSIM_ERR_CLOSED', `no media for call ${call} on thread ${threadId}`);
  return m;
}

async function close(call: string): Promise<CallMediaStats> {
  const m = mediaOf(call);
  calls.delete(call);
  pushed.delete(call);
  const final = await m.close();
  const released = m.released;
  releasing.add(released);
  void released.finally(() => releasing.delete(released));
  return final;
}

async function run(m: MediaOp): Promise<MediaOpResult[MediaOp['op']]> {
  switch (m.op) {
    case 'open': {
      if (calls.has(m.call)) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `call ${m.call} already has media`);
      const media = await CallMedia.open(m.offer, { address: init.address, ticker, content: m.content, batchedIo: init.batchedIo, logger: log });
      calls.set(m.call, media);
      return media.ports;
    }
    case 'play':
      mediaOf(m.call).play(m.state);
      return null;
    case 'keys':
      mediaOf(m.call).onKey(m.on ? (key) => post({ type: 'key', call: m.call, key }) : null);
      return null;
    case 'openBridge':
      return mediaOf(m.call).openBridge(m.answer, m.name);
    case 'acceptBridge':
      await mediaOf(m.call).acceptBridge(m.sdpAnswer);
      return null;
    case 'closeBridge':
      await mediaOf(m.call).closeBridge();
      return null;
    case 'close':
      return close(m.call);
    case 'dump':
      return { threadId, calls: [...calls].map(([id, c]) => ({ id, ports: c.ports, bridge: c.bridge?.mode ?? null })) };
    case 'stop':
      clearInterval(pushTimer);
      await Promise.all([...calls.keys()].map(close));
      await Promise.all(releasing);
      return null;
  }
}

/** Packets in and out on every port, what came from Meet, the bridge's state: moves whenever the snapshot would. */
function signature(m: CallMedia): string {
  let packets = 0;
  for (const p of [m.rtp, m.videoRtp, m.contentRtp]) if (p) packets += p.stats.packetsIn + p.stats.packetsOut;
  const bridge = m.bridge;
  if (!bridge) return String(packets);
  const hops = emptyHops();
  bridge.addTotals(hops);
  return `${packets + hops.meet_to_node.packets} ${bridge.mode} ${bridge.peer.state}`;
}

const pushTimer = setInterval(() => {
  const out: Array<[string, CallMediaStats]> = [];
  for (const [id, m] of calls) {
    const sig = signature(m);
    if (pushed.get(id) === sig) continue;
    pushed.set(id, sig);
    out.push([id, m.stats()]);
  }
  if (out.length > 0) post({ type: 'stats', calls: out });
}, MEDIA_STATS_EVERY_MS);

port.on('message', (m: ToMediaWorker) => {
  run(m).then(
    (value) => post({ type: 'reply', req: m.req, ok: true, value }),
    (err: unknown) => post({ type: 'reply', req: m.req, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
post({ type: 'ready', threadId });
