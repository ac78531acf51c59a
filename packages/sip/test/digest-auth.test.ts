import { FakeClock } from '@gwsim/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  computeDigest,
  DigestAuthenticator,
  DigestClient,
  parseChallenge,
  parseCredentials,
  parseMessage,
  UdpTransport,
  UserAgent,
  type SipRequest,
  type SipResponse,
} from '../src/index.ts';

/** RFC 7616 §3.9.1 example (the RFC 8760 algorithms are RFC 7616's). */
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  method: 'GET',
  uri: '/dir/index.html',
  qop: 'auth',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

function request(method: string, extra = ''): SipRequest {
  const raw = `${method} sip:1234567890123@vc.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.22.41:5060;branch=z9hG4bKa\r\nFrom: <sip:room@example.com>;tag=1\r\nTo: <sip:1234567890123@vc.example.com>\r\nCall-ID: auth-1\r\nCSeq: 1 ${method}\r\n${extra}Content-Length: 0\r\n\r\n`;
  return parseMessage(Buffer.from(raw), { datagram: true }) as SipRequest;
}

function challengeResponse(headers: Array<[string, string]>, status = 401): SipResponse {
  const raw = `SIP/2.0 ${status} Unauthorized\r\nVia: SIP/2.0/UDP 127.0.22.41:5060;branch=z9hG4bKa\r\nFrom: <sip:room@example.com>;tag=1\r\nTo: <sip:1234567890123@vc.example.com>;tag=s\r\nCall-ID: auth-1\r\nCSeq: 1 INVITE\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: 0\r\n\r\n`;
  return parseMessage(Buffer.from(raw), { datagram: true }) as SipResponse;
}

/** The request a UAC retries with: the challenge answered by `client`. */
function authorized(client: DigestClient, req: SipRequest, challenge: SipResponse): SipRequest {
  const [name, value] = client.authorize(req, challenge)!;
  return request(req.method, `${name}: ${value}\r\n`);
}

describe('digest computation (RFC 7616 §3.9.1 test vectors)', () => {
  it('MD5 and SHA-256 responses match the RFC', () => {
    expect(computeDigest({ ...RFC7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(computeDigest({ ...RFC7616, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('RFC 2617 §3.5 (MD5, qop=auth) and RFC 2069 (no qop) forms', () => {
    const rfc2617 = { username: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' };
    expect(computeDigest({ ...rfc2617, algorithm: 'MD5' })).toBe('6629fae49393a05397450978507c4ef1');
    expect(computeDigest({ ...rfc2617, qop: undefined, algorithm: 'MD5' })).toMatch(/^[0-9a-f]{32}$/);
  });

  it('parses challenges and credentials with quoted strings, escapes and odd spacing', () => {
    const c = parseChallenge('Digest realm="a \\"b\\"",nonce="n1" , algorithm=sha-256,qop="auth,auth-int", stale=TRUE, opaque="o"');
    expect(c).toEqual({ realm: 'a "b"', nonce: 'n1', opaque: 'o', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale: true, domain: undefined });
    expect(parseChallenge('Basic realm="x"')).toBeNull();
    expect(parseChallenge('Digest realm="x", nonce="y", algorithm=SHA-1')).toBeNull(); // unknown algorithm: skipped
    expect(() => parseChallenge('Digest realm="x')).toThrow(/unterminated/);
    expect(parseCredentials('Digest username="bob", realm="r", nonce="n", uri="sip:a@b", response="abc", qop=auth, nc=00000001, cnonce="c"')).toMatchObject({ username: 'bob', algorithm: 'MD5', qop: 'auth', nc: '00000001' });
  });
});

describe('DigestAuthenticator and DigestClient', () => {
  const passwords: Record<string, string> = { room: 's3cret' };
  const lookup = (u: string) => passwords[u] ?? null;

  it('challenges with SHA-256 then MD5 (RFC 8760 §2.4), accepts the strongest answer, rejects a wrong password with 403', async () => {
    const auth = new DigestAuthenticator({ realm: 'vc.example.com', lookup });
    const first = await auth.verify(request('INVITE'));
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect(first.status).toBe(401);
    expect(first.headers.map(([, v]) => /algorithm=([\w-]+)/.exec(v)![1])).toEqual(['SHA-256', 'MD5']);
    const challenge = challengeResponse(first.headers);
    const retry = authorized(new DigestClient({ username: 'room', password: 's3cret' }), request('INVITE'), challenge);
    expect(retry.headers.get('Authorization')).toMatch(/algorithm=SHA-256.*qop=auth, nc=00000001/);
    expect(await auth.verify(retry)).toEqual({ ok: true, username: 'room', realm: 'vc.example.com' });
    const wrong = authorized(new DigestClient({ username: 'room', password: 'guess' }), request('INVITE'), challenge);
    expect(await auth.verify(wrong)).toMatchObject({ ok: false, status: 403 });
    const unknown = authorized(new DigestClient({ username: 'mallory', password: 'x' }), request('INVITE'), challenge);
    expect(await auth.verify(unknown)).toMatchObject({ ok: false, status: 403 });
  });

  it('MD5-only servers, proxies (407/Proxy-Authorization) and the client realm filter', async () => {
    const auth = new DigestAuthenticator({ realm: 'proxy.example.com', lookup, algorithms: ['MD5'], proxy: true });
    const v = await auth.verify(request('REGISTER'));
    expect(v).toMatchObject({ ok: false, status: 407 });
    if (v.ok) return;
    expect(v.headers[0]![0]).toBe('Proxy-Authenticate');
    const challenge = challengeResponse(v.headers, 407);
    expect(new DigestClient({ username: 'room', password: 's3cret', realm: 'other.example.com' }).authorize(request('REGISTER'), challenge)).toBeNull();
    const [name, value] = new DigestClient({ username: 'room', password: 's3cret' }).authorize(request('REGISTER'), challenge)!;
    expect(name).toBe('Proxy-Authorization');
    expect(await auth.verify(request('REGISTER', `${name}: ${value}\r\n`))).toMatchObject({ ok: true, username: 'room' });
  });

  it('an expired nonce is answered with stale=true; a replayed nonce count is refused; a foreign nonce is refused', async () => {
    const clock = new FakeClock();
    clock.advance(1_000_000);
    const auth = new DigestAuthenticator({ realm: 'r', lookup, clock, nonceTtlMs: 60_000 });
    const v = await auth.verify(request('INVITE'));
    if (v.ok) throw new Error('expected a challenge');
    const challenge = challengeResponse(v.headers);
    const client = new DigestClient({ username: 'room', password: 's3cret' });
    const ok = authorized(client, request('INVITE'), challenge);
    expect((await auth.verify(ok)).ok).toBe(true);
    expect(await auth.verify(ok)).toMatchObject({ ok: false, status: 401, reason: 'Replayed nonce count' }); // same nc again
    expect((await auth.verify(authorized(client, request('INVITE'), challenge))).ok).toBe(true); // nc=2
    clock.advance(60_001);
    const stale = await auth.verify(authorized(client, request('INVITE'), challenge));
    expect(stale).toMatchObject({ ok: false, status: 401, reason: 'Stale nonce' });
    if (stale.ok) return;
    expect(stale.headers[0]![1]).toContain('stale=true');
    const other = new DigestAuthenticator({ realm: 'r', lookup });
    expect(await other.verify(ok)).toMatchObject({ ok: false, status: 401, reason: 'Unknown nonce' });
  });

  it('credentials for another Request-URI are refused (RFC 7616 §3.4.6)', async () => {
    const auth = new DigestAuthenticator({ realm: 'r', lookup });
    const v = await auth.verify(request('INVITE'));
    if (v.ok) throw new Error('expected a challenge');
    const [name, value] = new DigestClient({ username: 'room', password: 's3cret' }).authorize(request('INVITE'), challengeResponse(v.headers))!;
    const moved = request('INVITE', `${name}: ${value}\r\n`);
    moved.uri = 'sip:9999999999999@vc.example.com';
    expect(await auth.verify(moved)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('digest through the user agents (real UDP)', () => {
  const open: UserAgent[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });

  async function agents(credentials?: { username: string; password: string }) {
    const auth = new DigestAuthenticator({ realm: 'vc.example.com', lookup: (u) => (u === 'room' ? 's3cret' : null) });
    const uas = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.42', port: 0 }), timers: { T1: 40 }, onInvite: (inv) => void inv.accept({ body: 'v=0\r\n' }).catch(() => {}) });
    uas.use(auth.middleware({ methods: ['INVITE', 'MESSAGE'] }));
    const uac = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.22.41', port: 0 }), timers: { T1: 40 }, credentials });
    open.push(uac, uas);
    return { uac, uas };
  }

  it('INVITE: 401 → retried with Authorization (CSeq + 1) → 200; the ACK and BYE complete the call', async () => {
    const { uac, uas } = await agents({ username: 'room', password: 's3cret' });
    const out = uac.invite({ destination: uas.transport.local, uri: 'sip:1234567890123@127.0.22.42', from: 'sip:room@example.com', body: 'v=0\r\n' });
    const r = await out.result;
    expect(r.attempts.map((a) => a.status)).toEqual([401, 200]);
    expect(r.status).toBe(200);
    expect(out.request.headers.get('Authorization')).toMatch(/^Digest username="room"/);
    expect(out.request.cseq.seq).toBe(r.dialog!.localSeq);
    await new Promise((res) => setTimeout(res, 20));
    expect(uas.dialogs).toHaveLength(1);
    expect((await r.dialog!.bye()).status).toBe(200);
  });

  it('no credentials: the 401 is the answer; a wrong password: 403 after one retry', async () => {
    const none = await agents();
    const r = await none.uac.invite({ destination: none.uas.transport.local, uri: 'sip:x@127.0.22.42', from: 'sip:room@example.com' }).result;
    expect(r.status).toBe(401);
    expect(r.response.headers.getAll('WWW-Authenticate')).toHaveLength(2);
    await none.uac.close();
    await none.uas.close();
    const bad = await agents({ username: 'room', password: 'wrong' });
    const m = await bad.uac.send({ method: 'MESSAGE', destination: bad.uas.transport.local, uri: 'sip:x@127.0.22.42', from: 'sip:room@example.com', body: 'hi', contentType: 'text/plain' });
    expect(m.attempts.map((a) => a.status)).toEqual([401, 403]);
    expect(m.request.cseq.seq).toBe(2);
  });
});
