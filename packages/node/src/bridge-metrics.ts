/**
 * Prometheus counters of bridged media by hop (`gwsim_node_media_packets_total{hop}` and `…_bytes_total`):
 * the totals of ended calls plus the live counts of calls in progress, read on scrape.
 */
import { emptyHops, MEDIA_HOPS, type HopCount, type MediaHop } from './bridge-stats.ts';
import type { BridgeSnapshot } from './bridge-stats.ts';
import { Counter, type MetricsRegistry } from './metrics.ts';

class HopCounter extends Counter {
  readonly #live: () => Record<MediaHop, HopCount>;
  readonly #field: keyof HopCount;

  constructor(name: string, help: string, field: keyof HopCount, live: () => Record<MediaHop, HopCount>) {
    super(name, help);
    this.#field = field;
    this.#live = live;
  }

  override lines(): string[] {
    const live = this.#live();
    return MEDIA_HOPS.map((hop) => `${this.name}{hop="${hop}"} ${this.get({ hop }) + live[hop][this.#field]}`);
  }
}

export class MediaHopMetrics {
  readonly packets: Counter;
  readonly bytes: Counter;

  /** `live(into)` adds the hop counts of calls in progress to `into`. */
  constructor(registry: MetricsRegistry, live: (into: Record<MediaHop, HopCount>) => void) {
    const read = () => {
      const into = emptyHops();
      live(into);
      return into;
    };
    this.packets = registry.register(new HopCounter('gwsim_node_media_packets_total', 'Bridged RTP packets by hop (endpoint_to_node, node_to_meet, meet_to_node, node_to_endpoint).', 'packets', read));
    this.bytes = registry.register(new HopCounter('gwsim_node_media_bytes_total', 'Bridged RTP bytes (headers included) by hop.', 'bytes', read));
  }

  /** Fold an ended call's counts into the totals. */
  callEnded(media: BridgeSnapshot | null): void {
    if (!media) return;
    for (const hop of MEDIA_HOPS) {
      this.packets.inc({ hop }, media.totals[hop].packets);
      this.bytes.inc({ hop }, media.totals[hop].bytes);
    }
  }
}
