import { TypedEmitter, type FakeClock } from '@gwsim/common';
import { parseMessage, type SipMessage, type Transport, type TransportAddress, type TransportEvents } from '../../src/index.ts';

/** A datagram in flight, with the parsed message for filters and assertions. */
export interface Datagram {
  from: TransportAddress;
  to: TransportAddress;
  raw: Buffer;
  msg: SipMessage;
}

/**
 * An in-memory datagram network for deterministic UA-level tests on a FakeClock: sends are queued and
 * delivered by `flush()`; a filter can drop any message (every ACK, every response…).
 */
export class FakeNetwork {
  readonly #nodes = new Map<string, NetTransport>();
  readonly #queue: Datagram[] = [];
  /** Every datagram sent (delivered or dropped), in order. */
  readonly log: Array<Datagram & { dropped: boolean }> = [];
  drop: (d: Datagram) => boolean = () => false;

  transport(address: string, port = 5060, reliable = false): NetTransport {
    const t = new NetTransport(this, { address, port }, reliable);
    this.#nodes.set(`${address}:${port}`, t);
    return t;
  }

  /** @internal */
  enqueue(from: TransportAddress, to: TransportAddress, raw: Buffer): void {
    const d = { from, to, raw, msg: parseMessage(raw, { datagram: true }) };
    const dropped = this.drop(d);
    this.log.push({ ...d, dropped });
    if (!dropped) this.#queue.push(d);
  }

  /** Deliver everything queued (and what that provokes), letting promise callbacks run in between. */
  async flush(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      await new Promise((r) => setImmediate(r));
      if (!this.#queue.length) return;
      for (const d of this.#queue.splice(0)) this.#nodes.get(`${d.to.address}:${d.to.port}`)?.deliver(d);
    }
  }

  /** Advance `clock` by `ms` in steps, delivering messages between steps. */
  async run(clock: FakeClock, ms: number, step = 50): Promise<void> {
    await this.flush();
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await this.flush();
    }
  }

  /** Methods / status codes sent by `address`, e.g. ['INVITE', '200', 'ACK']. */
  sentBy(address: string, opts: { includeDropped?: boolean } = {}): string[] {
    return this.log
      .filter((d) => d.from.address === address && (opts.includeDropped !== false || !d.dropped))
      .map((d) => (d.msg.kind === 'request' ? d.msg.method : String(d.msg.status)));
  }
}

export class NetTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable: boolean;
  readonly local: TransportAddress;
  readonly #net: FakeNetwork;
  closed = false;
  failSends = false;

  constructor(net: FakeNetwork, local: TransportAddress, reliable: boolean) {
    super();
    this.#net = net;
    this.local = local;
    this.reliable = reliable;
  }

  async send(data: Buffer, to: TransportAddress): Promise<void> {
    if (this.failSends) throw new Error('network unreachable');
    this.#net.enqueue(this.local, to, data);
  }

  deliver(d: Datagram): void {
    if (this.closed) return;
    this.emit('message', parseMessage(d.raw, { datagram: true }), d.from, d.raw);
  }

  dump() {
    return { protocol: 'udp' as const, local: this.local, closed: this.closed, connections: [] };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
