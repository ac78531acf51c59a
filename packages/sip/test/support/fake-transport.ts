import { TypedEmitter } from '@gwsim/common';
import { parseMessage, type SipMessage, type Transport, type TransportAddress, type TransportEvents } from '../../src/index.ts';

/** An in-memory transport for unit tests of the transaction layer: records sends, injects receives. */
export class FakeTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly local: TransportAddress = { address: '127.0.0.1', port: 5060 };
  readonly reliable: boolean;
  closed = false;
  sent: Array<{ msg: SipMessage; to: TransportAddress }> = [];
  failSends = false;

  constructor(reliable = false) {
    super();
    this.reliable = reliable;
  }

  async send(data: Buffer, to: TransportAddress): Promise<void> {
    if (this.failSends) throw new Error('network unreachable');
    this.sent.push({ msg: parseMessage(data, { datagram: true }), to });
  }

  receive(raw: string, from: TransportAddress = { address: '127.0.0.2', port: 5062 }): void {
    const buf = Buffer.from(raw.replace(/\n/g, '\r\n'));
    this.emit('message', parseMessage(buf, { datagram: true }), from, buf);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
