import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, SipError, UdpTransport, UserAgent, type IncomingInvite, type SipRequest, type SipResponse, type UserAgentOptions } from '../src/index.ts';

const timers = { T1: 40, T2: 400, T4: 500 };
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function ua(address: string, onInvite?: (inv: IncomingInvite) => void, extra: Partial<UserAgentOptions> = {}): Promise<UserAgent> {
  const agent = new UserAgent({ transport: await UdpTransport.create({ address, port: 0 }), timers, onInvite, ...extra });
  open.push(agent);
  return agent;
}

async function rawSocket(address: string): Promise<{ sock: dgram.Socket; port: number; next: () => Promise<SipResponse>; nextRequest: () => Promise<SipRequest> }> {
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
  const nextRequest = () => new Promise<SipRequest>((resolve) => {
    const take = (b: Buffer) => resolve(parseMessage(b, { datagram: true }) as SipRequest);
    if (queue.length) take(queue.shift()!);
    else waiter = take;
  });
  return { sock, port: sock.address().port, next, nextRequest };
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.22.101\r\ns=-\r\nc=IN IP4 127.0.22.101\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

describe('UserAgent over real UDP sockets', () => {
  it('INVITE → 100/180/200 with SDP → ACK → BYE → 200, with dialogs on both sides ended', async () => {
    let uasDialogEnded: string | null = null;
    const uas = await ua('127.0.22.102', (inv) => {
      inv.progress(180);
      void inv.accept({ body: SDP }).then((d) => d.on('terminated', (r) => (uasDialogEnded = `${r.by}:${r.cause}`)));
    });
    const uac = await ua('127.0.22.101');
    const provisional: number[] = [];
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:1234567890123@127.0.22.102', from: 'sip:room@example.com', body: SDP });
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
    const uas = await ua('127.0.22.104', (inv) => inv.reject(404, 'Neither conference nor gateway found', [['Reason', 'SIP;cause=404;text="no rule"']]));
    const uac = await ua('127.0.22.103');
    const result = await uac.invite({ destination: uas.transport.local, uri: 'sip:nobody@127.0.22.104', from: 'sip:room@example.com' }).result;
    expect(result.status).toBe(404);
    expect(result.reason).toBe('Neither conference nor gateway found');
    expect(result.response.headers.get('Reason')).toContain('cause=404');
    expect(result.dialog).toBeNull();
  });

  it('CANCEL after 180 ends the INVITE with 487 and tells the UAS application', async () => {
    let cancelled = false;
    const uas = await ua('127.0.22.106', (inv) => {
      inv.progress(180);
      inv.on('cancelled', () => (cancelled = true));
    });
    const uac = await ua('127.0.22.105');
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:x@127.0.22.106', from: 'sip:room@example.com' });
    out.on('provisional', () => out.cancel());
    const result = await out.result;
    expect(result.status).toBe(487);
    expect(cancelled).toBe(true);
  });

  it('an unreachable UAS yields a locally synthesized 408 after Timer B, not an exception', async () => {
    const { port } = await rawSocket('127.0.22.108'); // bound, never answers
    const uac = await ua('127.0.22.107');
    const result = await uac.invite({ destination: { address: '127.0.22.108', port }, uri: 'sip:x@127.0.22.108', from: 'sip:room@example.com' }).result;
    expect(result.status).toBe(408);
    expect(result.local).toBe(true);
  });

  it('regression: a lost ACK makes the UAS retransmit 200, then BYE and reject — never crash', async () => {
    let acceptError: Error | null = null;
    const uas = await ua('127.0.22.110', (inv) => {
      inv.accept({ body: SDP }).catch((e: Error) => (acceptError = e));
    });
    const peer = await rawSocket('127.0.22.109');
    const invite = `INVITE sip:x@127.0.22.110 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.22.109:${peer.port};branch=z9hG4bKnoack\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.22.110>\r\nCall-ID: noack-1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.22.109:${peer.port}>\r\nContent-Length: 0\r\n\r\n`;
    peer.sock.send(invite, uas.transport.local.port, '127.0.22.110');
    const got: string[] = [];
    for (;;) {
      const m = await peer.next();
      got.push(m.kind === 'response' ? String(m.status) : (m as unknown as { method: string }).method);
      if (got.at(-1) === 'BYE') break;
    }
    expect(got[0]).toBe('200'); // answered at once: no 100 Trying (§17.2.1, the TU answered within 200 ms)
    expect(got.filter((s) => s === '200').length).toBeGreaterThanOrEqual(3); // retransmitted until Timer H
    await new Promise((r) => setTimeout(r, 20));
    expect(acceptError).toMatchObject({ code: 'GWSIM_ERR_TIMEOUT' });
    expect(uas.dialogs).toHaveLength(0);
  });

  it('answers a malformed request with 400 naming the fault, and a BYE outside any dialog with 481', async () => {
    const uas = await ua('127.0.22.112');
    const peer = await rawSocket('127.0.22.111');
    const base = (method: string, extra: string) =>
      `${method} sip:x@127.0.22.112 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.22.111:${peer.port};branch=z9hG4bK${method}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.22.112>${method === 'BYE' ? ';tag=zz' : ''}\r\nCall-ID: bad-1\r\nCSeq: 1 ${method}\r\n${extra}\r\n`;
    peer.sock.send(base('OPTIONS', 'Content-Length: 99\r\n'), uas.transport.local.port, '127.0.22.112');
    const bad = await peer.next();
    expect(bad.status).toBe(400);
    expect(bad.reason).toMatch(/Content-Length 99 exceeds/);
    peer.sock.send(base('BYE', 'Content-Length: 0\r\n'), uas.transport.local.port, '127.0.22.112');
    expect((await peer.next()).status).toBe(481);
    peer.sock.send(base('OPTIONS', 'Require: 100rel-nonsense\r\nContent-Length: 0\r\n'), uas.transport.local.port, '127.0.22.112');
    const ext = await peer.next();
    expect(ext.status).toBe(420);
    expect(ext.headers.get('Unsupported')).toBe('100rel-nonsense');
  });

  it('CANCEL (§9.2): 200 to the CANCEL with the To tag of the 487; CANCEL of an unknown transaction → 481; after the answer → 200, no effect', async () => {
    let pendingInvite: IncomingInvite | null = null;
    const uas = await ua('127.0.22.114', (inv) => {
      if (inv.request.callId === 'cancel-late') inv.reject(486, 'Busy Here');
      else pendingInvite = inv; // left pending
    });
    const peer = await rawSocket('127.0.22.113');
    const msg = (method: string, callId: string, branch: string, cseqMethod = method) =>
      `${method} sip:x@127.0.22.114 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.22.113:${peer.port};branch=${branch}\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=c1\r\nTo: <sip:x@127.0.22.114>\r\nCall-ID: ${callId}\r\nCSeq: 1 ${cseqMethod}\r\nContact: <sip:a@127.0.22.113:${peer.port}>\r\nContent-Length: 0\r\n\r\n`;
    const send = (m: string) => peer.sock.send(m, uas.transport.local.port, '127.0.22.114');
    send(msg('INVITE', 'cancel-1', 'z9hG4bKc1'));
    await new Promise((r) => setTimeout(r, 20));
    expect(pendingInvite).not.toBeNull();
    send(msg('CANCEL', 'cancel-1', 'z9hG4bKc1'));
    const first = await peer.next();
    const second = await peer.next();
    const [ok, terminated] = first.cseq.method === 'CANCEL' ? [first, second] : [second, first];
    expect(ok.status).toBe(200);
    expect(terminated.status).toBe(487);
    expect(ok.toTag).toBe(terminated.toTag);
    expect(pendingInvite!.state).toBe('cancelled');
    send(msg('CANCEL', 'no-such-call', 'z9hG4bKnone'));
    expect((await peer.next()).status).toBe(481);
    send(msg('INVITE', 'cancel-late', 'z9hG4bKlate'));
    const busy = await peer.next();
    expect(busy.status).toBe(486);
    send(msg('CANCEL', 'cancel-late', 'z9hG4bKlate'));
    const late = await peer.next();
    expect([late.status, late.cseq.method, late.toTag]).toEqual([200, 'CANCEL', busy.toTag]);
  });

  it('a merged request (same From tag, Call-ID and CSeq, another branch) is answered 482 Loop Detected (§8.2.2.2)', async () => {
    const invites: string[] = [];
    const uas = await ua('127.0.22.116', (inv) => {
      invites.push(inv.request.via.branch!);
      inv.progress(180);
    });
    const peer = await rawSocket('127.0.22.115');
    const inv = (branch: string) =>
      `INVITE sip:x@127.0.22.116 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.22.115:${peer.port};branch=${branch}\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=m1\r\nTo: <sip:x@127.0.22.116>\r\nCall-ID: merged-udp\r\nCSeq: 9 INVITE\r\nContact: <sip:a@127.0.22.115:${peer.port}>\r\nContent-Length: 0\r\n\r\n`;
    peer.sock.send(inv('z9hG4bKforkA'), uas.transport.local.port, '127.0.22.116');
    expect((await peer.next()).status).toBe(180);
    peer.sock.send(inv('z9hG4bKforkB'), uas.transport.local.port, '127.0.22.116');
    const merged = await peer.next();
    expect([merged.status, merged.via.branch]).toEqual([482, 'z9hG4bKforkB']);
    expect(invites).toEqual(['z9hG4bKforkA']);
  });

  it('answers OPTIONS with 200 and Allow by default, other unknown methods with 501, known ones with 405', async () => {
    const uas = await ua('127.0.22.118');
    const uac = await ua('127.0.22.117');
    const dest = { destination: uas.transport.local, uri: 'sip:127.0.22.118', from: 'sip:room@example.com' };
    const opt = await uac.request({ ...dest, method: 'OPTIONS' });
    expect(opt.status).toBe(200);
    expect(opt.headers.get('Allow')).toContain('UPDATE');
    expect((await uac.request({ ...dest, method: 'PUBLISH' })).status).toBe(501);
    expect((await uac.request({ ...dest, method: 'REGISTER' })).status).toBe(405);
  });

  it('a delegate that throws: a SipError becomes its response, anything else 500 — never a crash', async () => {
    const uas = await ua('127.0.22.120', () => {
      throw new Error('application bug');
    }, { onRequest: () => { throw new SipError(403, 'Nope'); } });
    const uac = await ua('127.0.22.119');
    const r = await uac.invite({ destination: uas.transport.local, uri: 'sip:x@127.0.22.120', from: 'sip:room@example.com' }).result;
    expect(r.status).toBe(500);
    const m = await uac.request({ method: 'MESSAGE', destination: uas.transport.local, uri: 'sip:x@127.0.22.120', from: 'sip:room@example.com', body: 'hi', contentType: 'text/plain' });
    expect([m.status, m.reason]).toEqual([403, 'Nope']);
  });
});

