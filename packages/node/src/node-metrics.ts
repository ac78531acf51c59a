import { Counter, Gauge, Histogram, MetricsRegistry } from './metrics.ts';

/** Seconds; call setup on loopback is milliseconds, lobby waits are seconds to minutes. */
const SETUP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LOBBY_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

/** The node's Prometheus metrics (served on the admin API's /metrics). */
export class NodeMetrics {
  readonly registry = new MetricsRegistry();
  readonly calls: Counter;
  readonly shed: Counter;
  readonly setup: Histogram;
  readonly lobbyWait: Histogram;

  constructor(read: { active: () => number; lobby: () => number; capacityUsed: () => number; capacityTotal: () => number; registrations: () => number }) {
    const r = this.registry;
    this.calls = r.register(new Counter('gwsim_node_calls_total', 'Calls ended, by outcome as the caller saw it.'));
    this.shed = r.register(new Counter('gwsim_node_calls_shed_total', 'INVITEs refused by overload protection before any work, by reason.'));
    this.setup = r.register(new Histogram('gwsim_node_call_setup_seconds', 'INVITE received to final response sent.', SETUP_BUCKETS));
    this.lobbyWait = r.register(new Histogram('gwsim_node_lobby_wait_seconds', 'Time callers spent in the lobby until admitted or refused.', LOBBY_BUCKETS));
    r.register(new Gauge('gwsim_node_active_calls', 'Calls in progress (routing, lobby or connected).', read.active));
    r.register(new Gauge('gwsim_node_lobby_calls', 'Callers waiting in a meeting lobby now.', read.lobby));
    r.register(new Gauge('gwsim_node_capacity_used_units', 'HD-call units in use.', read.capacityUsed));
    r.register(new Gauge('gwsim_node_capacity_total_units', 'HD-call units the node can carry.', read.capacityTotal));
    r.register(new Gauge('gwsim_node_registrations', 'Live registrations in the platform registrar.', read.registrations));
  }

  format(): string {
    return this.registry.format();
  }
}
