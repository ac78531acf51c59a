import { afterEach, describe, expect, it } from 'vitest';
import { TlsTransport, UserAgent, type TlsCredentials } from '../src/index.ts';
import { selfSignedCert } from './support/tls-cert.ts';
import { acceptingUas, call, captureTrace, until } from './support/transport-call.ts';

const cert = selfSignedCert(['127.0.21.20', '127.0.21.21', '127.0.21.22']);
const trusted: TlsCredentials = { key: cert.key, cert: cert.cert, ca: cert.cert };

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function tls(address: string, creds: TlsCredentials = trusted): Promise<TlsTransport> {
  const t = await TlsTransport.create({ address, port: 0, tls: creds });
  open.push(t);
  return t;
}

describe('TlsTransport (self-signed certificate made at test time)', () => {
  it('INVITE → 200 → ACK → BYE → 200 over TLS on one connection; Via says TLS, Contact transport=tls', async () => {
    const uasT = await tls('127.0.21.21');
    const uas = acceptingUas(uasT);
    open.push(uas.ua);
    const uacT = await tls('127.0.21.20');
    const uac = new UserAgent({ transport: uacT });
    open.push(uac);
    const trace = captureTrace();
    expect(await call(uac, uasT.local, uas)).toEqual({ invite: 200, bye: 200 });
    await until(() => uas.ended.length === 1);
    trace.stop();
    expect(uas.ended).toEqual(['remote:bye']);
    expect(uacT.connectionCount).toBe(1);
    expect(uasT.connectionCount).toBe(1);
    const invite = trace.records.find((r) => r.direction === 'out' && r.raw.toString().startsWith('INVITE'))!;
    expect(invite.transport).toBe('tls');
    expect(invite.raw.toString()).toMatch(/^Via: SIP\/2\.0\/TLS 127\.0\.21\.20:\d+;/m);
    expect(invite.raw.toString()).toMatch(/^Contact: <sip:127\.0\.21\.20:\d+;transport=tls>\r$/m);
    // Trace records carry the plaintext SIP bytes, not TLS records.
    expect(trace.records.filter((r) => r.direction === 'in').every((r) => /^(SIP\/2\.0|[A-Z]+ sip:)/.test(r.raw.toString()))).toBe(true);
  });

  it('a server certificate the client does not trust ends the INVITE in 503 and leaves no connection', async () => {
    const uasT = await tls('127.0.21.21');
    acceptingUas(uasT);
    const uacT = await tls('127.0.21.20', { ca: selfSignedCert(['127.0.21.20']).cert }); // trusts another CA only; dial-out only
    const errors: Error[] = [];
    uasT.on('error', (e) => errors.push(e));
    const uac = new UserAgent({ transport: uacT });
    open.push(uac);
    const result = await uac.invite({ destination: uasT.local, uri: 'sip:x@127.0.21.21', from: 'sip:room@example.com' }).result;
    expect(result.status).toBe(503);
    expect(uacT.connectionCount).toBe(0);
    expect(uacT.local.port).toBe(0); // no key/cert: a client-only transport
    await until(() => uasT.connectionCount === 0);
  });

  it('a certificate that does not name the address dialled is refused (identity check)', async () => {
    const other = selfSignedCert(['127.0.21.99']);
    const uasT = await tls('127.0.21.22', { key: other.key, cert: other.cert });
    const uacT = await tls('127.0.21.20', { ca: other.cert });
    await expect(uacT.send(Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'), uasT.local)).rejects.toThrow(/IP: 127\.0\.21\.22 is not in the cert's list|altnames/i);
  });
});
