import { parseMessage, type SipMessage, type SipRequest } from '@gwsim/sip';
import dgram from 'node:dgram';

/** One datagram the fake UAS received. */
export interface Received {
  /** performance.now() at arrival. */
  at: number;
  raw: string;
  msg: SipMessage;
}

/**
 * A scripted UAS on a real UDP socket for wire-level tests of a UAC: it records every datagram, hands
 * each request to `onRequest`, and builds responses by echoing the request's Via, From, To, Call-ID and
 * CSeq (RFC 3261 §8.2.6.2). No transaction layer: what to answer, when, and how often is the script's.
 */
export class FakeUas {
  readonly received: Received[] = [];
  onRequest: (req: SipRequest, uas: FakeUas) => void = () => {};
  readonly #sock: dgram.Socket;
  /** Where the UAC sends from (learnt from its first datagram). */
  peer: { address: string; port: number } | null = null;

  private constructor(sock: dgram.Socket) {
    this.#sock = sock;
    sock.on('message', (buf, rinfo) => {
      this.peer ??= { address: rinfo.address, port: rinfo.port };
      const msg = parseMessage(buf, { datagram: true });
      this.received.push({ at: performance.now(), raw: buf.toString(), msg });
      if (msg.kind === 'request') this.onRequest(msg, this);
    });
  }

  static async start(address: string): Promise<FakeUas> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, address, r));
    return new FakeUas(sock);
  }

  get address(): { address: string; port: number } {
    const a = this.#sock.address();
    return { address: a.address, port: a.port };
  }

  get target(): { address: string; port: number; transport: 'udp' } {
    return { ...this.address, transport: 'udp' };
  }

  /** Requests received with this method, in order. */
  requests(method: string): Array<Received & { msg: SipRequest }> {
    return this.received.filter((r): r is Received & { msg: SipRequest } => r.msg.kind === 'request' && r.msg.method === method);
  }

  send(text: string): void {
    if (!this.peer) throw new Error('no UAC has sent anything yet');
    this.#sock.send(Buffer.from(text), this.peer.port, this.peer.address);
  }

  /** The text of a response to `req`; `toTag` is added to To when it has none. */
  response(req: SipRequest, status: number, reason: string, o: { toTag?: string; headers?: string[]; body?: string } = {}): string {
    const vias = req.headers.getAll('Via').map((v) => `Via: ${v}\r\n`).join('');
    const to = req.headers.get('To')!;
    const body = o.body ?? '';
    return (
      `SIP/2.0 ${status} ${reason}\r\n${vias}From: ${req.headers.get('From')}\r\nTo: ${to}${o.toTag && !req.toTag ? `;tag=${o.toTag}` : ''}\r\n` +
      `Call-ID: ${req.callId}\r\nCSeq: ${req.headers.get('CSeq')}\r\n${(o.headers ?? []).map((h) => `${h}\r\n`).join('')}` +
      `${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    );
  }

  reply(req: SipRequest, status: number, reason: string, o: { toTag?: string; headers?: string[]; body?: string } = {}): string {
    const text = this.response(req, status, reason, o);
    this.send(text);
    return text;
  }

  /** Resolve once `pred` holds (checked every 5 ms), or reject after `timeoutMs`. */
  async until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; received: ${this.received.map((r) => r.raw.split('\r\n')[0]).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): Promise<void> {
    return new Promise<void>((r) => this.#sock.close(() => r()));
  }
}

/** The branch of a message's top Via. */
export function branch(m: SipMessage): string {
  return m.via.branch ?? '';
}
