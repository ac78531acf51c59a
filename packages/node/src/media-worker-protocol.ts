/**
 * What the signalling thread and a media worker say to each other (media-worker-pool.ts ↔ media-worker.ts).
 * Control and events only: no packet ever crosses.
 */
import type { MarkedState, SessionDescription } from '@gwsim/media';
import type { CallMediaPorts, CallMediaStats } from './call-media.ts';

/** How often a worker pushes the counts of calls whose media moved (snapshots and live /metrics lag by up to this). */
export const MEDIA_STATS_EVERY_MS = 100;

/** workerData of a media worker. */
export interface MediaWorkerInit {
  /** The node's address: every socket the worker opens binds here. */
  address: string;
  /** false: signalling-only node (the player sends nothing). */
  media: boolean;
  /** Batched UDP I/O for the calls' sockets (ConferencingNodeOptions.batchedIo). */
  batchedIo: boolean;
}

export type MediaOp =
  | { op: 'open'; call: string; offer: SessionDescription; content: boolean }
  | { op: 'play'; call: string; state: MarkedState }
  | { op: 'keys'; call: string; on: boolean }
  | { op: 'openBridge'; call: string; answer: SessionDescription; name: string }
  | { op: 'acceptBridge'; call: string; sdpAnswer: string }
  | { op: 'closeBridge'; call: string }
  | { op: 'close'; call: string }
  | { op: 'dump' }
  | { op: 'stop' };

/** What each operation resolves with. */
export interface MediaOpResult {
  open: CallMediaPorts;
  play: null;
  keys: null;
  openBridge: string;
  acceptBridge: null;
  closeBridge: null;
  close: CallMediaStats;
  dump: MediaWorkerDebug;
  stop: null;
}

/** A worker's own account of the media it holds (debugging; tests check where sockets live). */
export interface MediaWorkerDebug {
  threadId: number;
  calls: Array<{ id: string; ports: CallMediaPorts; bridge: string | null }>;
}

export type ToMediaWorker = MediaOp & { req: number };

export type FromMediaWorker =
  | { type: 'ready'; threadId: number }
  /** The worker could not load (see tsWorkerCode in @gwsim/common). */
  | { type: 'failed'; message: string }
  | { type: 'reply'; req: number; ok: true; value: unknown }
  | { type: 'reply'; req: number; ok: false; error: string }
  | { type: 'key'; call: string; key: string }
  | { type: 'stats'; calls: Array<[call: string, stats: CallMediaStats]> }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; scope: string; msg: string; fields?: Record<string, unknown> };
