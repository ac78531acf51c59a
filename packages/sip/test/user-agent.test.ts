import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, UdpTransport, UserAgent, type IncomingInvite, type SipResponse } from '../src/index.ts';

const timers = { T1: 40, T2: 400, T4: 500 };
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function ua(address: string, onInvite?: (inv: IncomingInvite) => void): Promise<UserAgent> {
  const agent = new UserAgent({ transport: await UdpTransport.create({ address, port: 0 }), timers, onInvite });
  open.push(agent);
  return agent;
}

async function rawSocket(address: string): Promise<{ sock: dgram.Socket; port: number; next: () => Promise<SipResponse> }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, address, r));
  const queue: Buffer[] = [];
  let waiter: ((b: Buffer) => void) | null = null;
  sock.on('message', (b) => (waiter ? (waiter(b), (waiter = null)) : queue.push(b)));
  open.push({ close: () => new Promise<void>((r) => sock.close(() => r())) });
  const next = () => new Promise<SipResponse>((resolve) => {
    const take = (b: Buffer) => resolve(parseMessage(b, { datagram: true }) as SipResponse);
    if (queue.length) take(queue.shift()!);
    else waiter = take;
  });
  return { sock, port: sock.address().port, next };
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.3.1\r\ns=-\r\nc=IN IP4 127.0.3.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

describe('UserAgent over real UDP sockets', () => {
  it('INVITE → 100/180/200 with SDP → ACK → BYE → 200, with dialogs on both sides ended', async () => {
    let uasDialogEnded: string | null = null;
    const uas = await ua('127.0.3.2', (inv) => {
      inv.progress(180);
      void inv.accept({ body: SDP }).then((d) => d.on('terminated', (r) => (uasDialogEnded = `${r.by}:${r.cause}`)));
    });
    const uac = await ua('127.0.3.1');
    const provisional: number[] = [];
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:1234567890123@127.0.3.2', from: 'sip:room@example.com', body: SDP });
    out.on('provisional', (r) => provisional.push(r.status));
    const result = await out.result;
    expect(result.status).toBe(200);
    expect(result.local).toBe(false);
    expect(result.response.body.toString()).toBe(SDP);
    expect(provisional).toEqual([180]);
    expect(result.dialog).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50)); // ACK reaches the UAS
    expect(uas.dialogs).toHaveLength(1);
    const bye = await result.dialog!.bye();
    expect(bye.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(uasDialogEnded).toBe('remote:bye');
    expect(uas.dialogs).toHaveLength(0);
    expect(uac.dialogs).toHaveLength(0);
  });

  it('a rejected INVITE resolves with the status and reason phrase the UAS chose', async () => {
    const uas = await ua('127.0.3.4', (inv) => inv.reject(404, 'Neither conference nor gateway found', [['Reason', 'SIP;cause=404;text="no rule"']]));
    const uac = await ua('127.0.3.3');
    const result = await uac.invite({ destination: uas.transport.local, uri: 'sip:nobody@127.0.3.4', from: 'sip:room@example.com' }).result;
    expect(result.status).toBe(404);
    expect(result.reason).toBe('Neither conference nor gateway found');
    expect(result.response.headers.get('Reason')).toContain('cause=404');
    expect(result.dialog).toBeNull();
  });

  it('CANCEL after 180 ends the INVITE with 487 and tells the UAS application', async () => {
    let cancelled = false;
    const uas = await ua('127.0.3.6', (inv) => {
      inv.progress(180);
      inv.on('cancelled', () => (cancelled = true));
    });
    const uac = await ua('127.0.3.5');
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:x@127.0.3.6', from: 'sip:room@example.com' });
    out.on('provisional', () => out.cancel());
    const result = await out.result;
    expect(result.status).toBe(487);
    expect(cancelled).toBe(true);
  });

  it('an unreachable UAS yields a locally synthesized 408 after Timer B, not an exception', async () => {
    const { port } = await rawSocket('127.0.3.8'); // bound, never answers
    const uac = await ua('127.0.3.7');
    const result = await uac.invite({ destination: { address: '127.0.3.8', port }, uri: 'sip:x@127.0.3.8', from: 'sip:room@example.com' }).result;
    expect(result.status).toBe(408);
    expect(result.local).toBe(true);
  });

  it('regression: a lost ACK makes the UAS retransmit 200, then BYE and reject — never crash', async () => {
    let acceptError: Error | null = null;
    const uas = await ua('127.0.3.10', (inv) => {
      inv.accept({ body: SDP }).catch((e: Error) => (acceptError = e));
    });
    const peer = await rawSocket('127.0.3.9');
    const invite = `INVITE sip:x@127.0.3.10 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.3.9:${peer.port};branch=z9hG4bKnoack\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.3.10>\r\nCall-ID: noack-1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.3.9:${peer.port}>\r\nContent-Length: 0\r\n\r\n`;
    peer.sock.send(invite, uas.transport.local.port, '127.0.3.10');
    const got: string[] = [];
    for (;;) {
      const m = await peer.next();
      got.push(m.kind === 'response' ? String(m.status) : (m as unknown as { method: string }).method);
      if (got.at(-1) === 'BYE') break;
    }
    expect(got[0]).toBe('100');
    expect(got.filter((s) => s === '200').length).toBeGreaterThanOrEqual(3); // retransmitted until Timer H
    await new Promise((r) => setTimeout(r, 20));
    expect(acceptError).toMatchObject({ code: 'GWSIM_ERR_TIMEOUT' });
    expect(uas.dialogs).toHaveLength(0);
  });

  it('answers a malformed request with 400 naming the fault, and a BYE outside any dialog with 481', async () => {
    const uas = await ua('127.0.3.12');
    const peer = await rawSocket('127.0.3.11');
    const base = (method: string, extra: string) =>
      `${method} sip:x@127.0.3.12 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.3.11:${peer.port};branch=z9hG4bK${method}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.3.12>${method === 'BYE' ? ';tag=zz' : ''}\r\nCall-ID: bad-1\r\nCSeq: 1 ${method}\r\n${extra}\r\n`;
    peer.sock.send(base('OPTIONS', 'Content-Length: 99\r\n'), uas.transport.local.port, '127.0.3.12');
    const bad = await peer.next();
    expect(bad.status).toBe(400);
    expect(bad.reason).toMatch(/Content-Length 99 exceeds/);
    peer.sock.send(base('BYE', 'Content-Length: 0\r\n'), uas.transport.local.port, '127.0.3.12');
    expect((await peer.next()).status).toBe(481);
    peer.sock.send(base('OPTIONS', 'Require: 100rel-nonsense\r\nContent-Length: 0\r\n'), uas.transport.local.port, '127.0.3.12');
    const ext = await peer.next();
    expect(ext.status).toBe(420);
    expect(ext.headers.get('Unsupported')).toBe('100rel-nonsense');
  });
});
