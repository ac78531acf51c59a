import { afterEach, describe, expect, it } from 'vitest';
import { SipError, UdpTransport, UserAgent, type Dialog, type DialogDelegate, type SessionChange, type UserAgentOptions } from '../src/index.ts';

/** In-dialog behaviour over real UDP: re-INVITE (§14), UPDATE (RFC 3311), INFO, glare, CSeq ordering. */
const timers = { T1: 40, T2: 400, T4: 500 };
const open: UserAgent[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const sdp = (host: string, port: number, version = 1) => `v=0\r\no=- 1 ${version} IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

async function ua(address: string, extra: Partial<UserAgentOptions> = {}): Promise<UserAgent> {
  const agent = new UserAgent({ transport: await UdpTransport.create({ address, port: 0 }), timers, ...extra });
  open.push(agent);
  return agent;
}

/** A connected call: UAC at a, UAS at b. Resolves both dialogs once the ACK arrived. */
async function connect(a: string, b: string, uasDelegate?: DialogDelegate): Promise<{ uac: UserAgent; uas: UserAgent; caller: Dialog; callee: Dialog }> {
  let calleeP!: Promise<Dialog>;
  const uas = await ua(b, {
    dialogDelegate: uasDelegate,
    onInvite: (inv) => void (calleeP = inv.accept({ body: sdp(b, 30000) })),
  });
  const uac = await ua(a);
  const r = await uac.invite({ destination: uas.transport.local, uri: `sip:1234567890123@${b}`, from: 'sip:room@example.com', body: sdp(a, 20000) }).result;
  expect(r.status).toBe(200);
  return { uac, uas, caller: r.dialog!, callee: await calleeP };
}

describe('re-INVITE (§14)', () => {
  it('UAC → UAS: the offer reaches the delegate, its answer comes back in the 2xx; both sides record the session', async () => {
    const offers: string[] = [];
    const { caller, callee } = await connect('127.0.22.21', '127.0.22.22', {
      onOffer: (req) => {
        offers.push(req.body.toString());
        return { body: sdp('127.0.22.22', 30002, 2) };
      },
    });
    const changes: SessionChange[] = [];
    callee.on('session', (c) => changes.push(c));
    const res = await caller.reinvite({ body: sdp('127.0.22.21', 20002, 2) });
    expect(res.status).toBe(200);
    expect(offers).toEqual([sdp('127.0.22.21', 20002, 2)]);
    expect(caller.remoteBody.toString()).toContain('m=audio 30002');
    expect(caller.localBody.toString()).toContain('m=audio 20002');
    await new Promise((r) => setTimeout(r, 30)); // ACK
    expect(changes.map((c) => [c.by, c.method, c.remote.toString().includes('20002'), c.local.toString().includes('30002')])).toEqual([['remote', 'INVITE', true, true]]);
    expect(callee.pending).toEqual({ invite: null, offer: null });
    expect((await caller.bye()).status).toBe(200);
  });

  it('UAS → UAC, and a re-INVITE without an offer: our 2xx carries the offer, the ACK the answer', async () => {
    const { caller, callee } = await connect('127.0.22.23', '127.0.22.24');
    caller.delegate = { onOffer: (req) => ({ body: req.body.length ? sdp('127.0.22.23', 20004, 3) : sdp('127.0.22.23', 20006, 4) }) };
    const r1 = await callee.reinvite({ body: sdp('127.0.22.24', 30004, 2) });
    expect(r1.status).toBe(200);
    expect(callee.remoteBody.toString()).toContain('m=audio 20004');
    await new Promise((r) => setTimeout(r, 30)); // the ACK of the first exchange
    // Late offer: no body, so the peer offers in the 2xx and we answer in the ACK.
    const changes: SessionChange[] = [];
    caller.on('session', (c) => changes.push(c));
    const r2 = await callee.reinvite({ answer: (offer) => ({ body: offer.body.toString().replace('20006', '20006').replace('127.0.22.23', '127.0.22.24') }) });
    expect(r2.status).toBe(200);
    expect(r2.body.toString()).toContain('m=audio 20006');
    await new Promise((r) => setTimeout(r, 30));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.remote.toString()).toContain('IN IP4 127.0.22.24'); // the answer from the ACK
  });

  it('a delegate that throws SipError(488) refuses the offer; the dialog stays up', async () => {
    const { caller, callee } = await connect('127.0.22.25', '127.0.22.26', {
      onOffer: () => {
        throw new SipError(488, 'Not Acceptable Here');
      },
    });
    const res = await caller.reinvite({ body: sdp('127.0.22.25', 1, 9) });
    expect(res.status).toBe(488);
    expect(caller.state).toBe('confirmed');
    expect(callee.state).toBe('confirmed');
    expect(caller.localBody.toString()).toContain('m=audio 20000'); // unchanged
    expect(caller.pending).toEqual({ invite: null, offer: null });
  });

  it('glare: both sides re-INVITE at once → both get 491 Request Pending; a second re-INVITE meanwhile is refused locally', async () => {
    const { caller, callee } = await connect('127.0.22.27', '127.0.22.28');
    const a = caller.reinvite({ body: sdp('127.0.22.27', 20008, 2) });
    const b = callee.reinvite({ body: sdp('127.0.22.28', 30008, 2) });
    await expect(caller.reinvite({ body: sdp('127.0.22.27', 1, 3) })).rejects.toMatchObject({ code: 'GWSIM_ERR_ILLEGAL_STATE' });
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.status, rb.status]).toEqual([491, 491]);
    expect(caller.pending).toEqual({ invite: null, offer: null });
    // §14.1: the retry succeeds once the exchange is over
    expect((await caller.reinvite({ body: sdp('127.0.22.27', 20010, 3), retryOnGlare: true })).status).toBe(200);
  });
});

describe('UPDATE (RFC 3311), INFO and CSeq ordering', () => {
  it('UPDATE with an offer goes to onOffer and the answer comes back in its 200; INFO goes to onRequest', async () => {
    const infos: string[] = [];
    const { caller, callee } = await connect('127.0.22.29', '127.0.22.30', {
      onOffer: (req) => ({ body: req.body.toString().replace('127.0.22.29', '127.0.22.30') }),
      onRequest: (req) => {
        infos.push(req.body.toString());
        return { status: 200, headers: [['X-Seen', 'yes']] };
      },
    });
    const events: string[] = [];
    callee.on('request', (r) => events.push(r.method));
    const up = await caller.update({ body: sdp('127.0.22.29', 20012, 5) });
    expect(up.status).toBe(200);
    expect(up.body.toString()).toContain('IN IP4 127.0.22.30');
    expect(caller.remoteBody.toString()).toContain('IN IP4 127.0.22.30');
    const info = await caller.info('Signal=5\r\nDuration=160\r\n', 'application/dtmf-relay');
    expect([info.status, info.headers.get('X-Seen')]).toEqual([200, 'yes']);
    expect(infos).toEqual(['Signal=5\r\nDuration=160\r\n']);
    expect(events).toEqual(['INFO']);
    expect(callee.remoteSeq).toBe(caller.localSeq);
  });

  it('UPDATE glare (RFC 3311 §5.2): offers crossing → 491 on both sides; an UPDATE without an offer is a plain target refresh', async () => {
    const { caller, callee } = await connect('127.0.22.33', '127.0.22.34', { onOffer: (req) => ({ body: req.body }) });
    caller.delegate = { onOffer: (req) => ({ body: req.body }) };
    const [a, b] = await Promise.all([caller.update({ body: sdp('127.0.22.33', 20014, 6) }), callee.update({ body: sdp('127.0.22.34', 30014, 6) })]);
    expect([a.status, b.status]).toEqual([491, 491]);
    expect(caller.pending.offer).toBeNull();
    const refresh = await caller.update();
    expect([refresh.status, refresh.headers.get('Contact')?.includes('127.0.22.34')]).toEqual([200, true]);
  });

  it('an in-dialog request with an old CSeq gets 500; one for an unknown dialog gets 481 and ends ours (§12.2.1.2)', async () => {
    const { caller, callee, uas } = await connect('127.0.22.31', '127.0.22.32');
    caller.localSeq = (callee.remoteSeq ?? 1) - 5;
    const old = await caller.request('OPTIONS');
    expect([old.status, old.reason]).toEqual([500, 'CSeq Out Of Order']);
    callee.terminate({ by: 'local', cause: 'shutdown' }); // the UAS forgets the dialog without telling
    expect(uas.dialogs).toHaveLength(0);
    const gone = await caller.info('x', 'text/plain');
    expect(gone.status).toBe(481);
    expect(caller.state).toBe('terminated');
  });
});
