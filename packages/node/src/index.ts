export * from './outcomes.ts';
/** The registrar moved to @gwsim/sip (RFC 3261 §10.3 helper); re-exported for callers of @gwsim/node. */
export { aorOf, Registrar, type Binding, type RegistrarOptions } from '@gwsim/sip';
export * from './capacity.ts';
export * from './overload.ts';
export * from './metrics.ts';
export * from './node-metrics.ts';
export * from './admin-server.ts';
export * from './call-media.ts';
export * from './gateway-call.ts';
export * from './conferencing-node.ts';
export { CallBridge, type BridgeStreamSpec } from './call-bridge.ts';
export * from './bridge-stats.ts';
export { openCallBridge } from './bridge-setup.ts';
export { MediaWorkerPool, RemoteCallMedia, type MediaWorkerPoolOptions, type MediaWorkerStatus } from './media-worker-pool.ts';
export { MEDIA_STATS_EVERY_MS, type MediaWorkerDebug } from './media-worker-protocol.ts';
