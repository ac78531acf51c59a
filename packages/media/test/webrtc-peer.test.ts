import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bindingErrorResponse,
  checkWebRtcOffer,
  createOffer,
  echoLoop,
  leaseLoopbackStun,
  loopbackPairsOnly,
  loopbackPeerConfig,
  loopbackStunResponders,
  readSyntheticPayload,
  serializeSdp,
  syntheticLoop,
  syntheticPayload,
  WebRtcPeer,
} from '../src/index.ts';

/** Open UDP sockets in this process (libuv handles). */
function udpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

/** Poll until `condition` holds; throws after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const GATEWAY = '127.0.24.1';
const FAR_END = '127.0.24.2';

const open: WebRtcPeer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function peer(address: string, name: string): Promise<WebRtcPeer> {
  const p = await WebRtcPeer.create({ address, name });
  open.push(p);
  return p;
}

/** An offerer on GATEWAY and an answerer on FAR_END, connected. */
async function connectedPair(): Promise<{ offerer: WebRtcPeer; answerer: WebRtcPeer; offer: string; answer: string }> {
  const offerer = await peer(GATEWAY, 'gateway');
  const answerer = await peer(FAR_END, 'far-end');
  const offer = await offerer.createOffer();
  const answer = await answerer.acceptOffer(offer);
  await offerer.acceptAnswer(answer);
  await Promise.all([offerer.waitConnected(5000), answerer.waitConnected(5000)]);
  return { offerer, answerer, offer, answer };
}

const candidateLines = (sdp: string) => sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));

describe('WebRtcPeer on loopback', () => {
  it('offers Opus and VP8/H.264 sendrecv on one BUNDLE transport with loopback host candidates only', async () => {
    const { offer, answer } = await connectedPair();
    expect(offer).toMatch(/a=group:BUNDLE 0 1/);
    expect(offer).toMatch(/a=rtpmap:\d+ OPUS\/48000\/2/i);
    expect(offer).toMatch(/a=rtpmap:\d+ VP8\/90000/);
    expect(offer).toMatch(/a=rtpmap:\d+ H264\/90000/i);
    expect(offer.match(/a=sendrecv/g)).toHaveLength(2);
    expect(answer.match(/a=sendrecv/g)).toHaveLength(2);
    for (const [sdp, address] of [[offer, GATEWAY], [answer, FAR_END]] as const) {
      const candidates = candidateLines(sdp);
      expect(candidates.length).toBeGreaterThan(0);
      for (const c of candidates) expect(c.split(' ')[4], c).toBe(address);
      expect(sdp).not.toMatch(/typ (srflx|relay)/);
    }
  });

  it('echoes RTP back on every track, payloads intact, with SRTP both ways', async () => {
    const { offerer, answerer } = await connectedPair();
    echoLoop(answerer).start();
    const echoed = new Map<string, string[]>();
    for (const track of offerer.tracks) {
      echoed.set(track.kind, []);
      track.onRtp((packet) => echoed.get(track.kind)!.push(packet.payload.toString()));
    }
    const sent: Record<string, string[]> = { audio: [], video: [] };
    for (let i = 0; i < 20; i++) {
      for (const track of offerer.tracks) {
        const payload = `${track.kind}-${i}`;
        if (track.send(Buffer.from(payload), { timestampStep: track.kind === 'audio' ? 960 : 3000 })) sent[track.kind]!.push(payload);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => echoed.get('audio')!.length === 20 && echoed.get('video')!.length === 20);
    expect(echoed.get('audio')).toEqual(sent.audio);
    expect(echoed.get('video')).toEqual(sent.video);
    const far = answerer.dump().tracks;
    expect(far.map((t) => [t.kind, t.packetsIn, t.packetsOut])).toEqual([
      ['audio', 20, 20],
      ['video', 20, 20],
    ]);
    expect(offerer.track('audio')!.stats).toMatchObject({ packetsOut: 20, packetsIn: 20 });
  });

  it('sends recognisable synthetic packets at a fixed rate', async () => {
    const { offerer, answerer } = await connectedPair();
    const got: { kind: string; counter: number }[] = [];
    for (const track of offerer.tracks) track.onRtp((packet) => got.push(readSyntheticPayload(packet.payload)!));
    const loop = syntheticLoop(answerer, { intervalMs: 10 });
    loop.start();
    await waitFor(() => got.filter((g) => g.kind === 'video').length >= 5 && got.filter((g) => g.kind === 'audio').length >= 5);
    loop.stop();
    expect(loop.running).toBe(false);
    const audio = got.filter((g) => g.kind === 'audio').map((g) => g.counter);
    expect(audio.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(got.every((g) => g !== null)).toBe(true);
  });

  it('close() releases every socket, the STUN responder and (after the DTLS flight timers) every timer', async () => {
    await waitFor(() => udpSockets() === 0, 500); // earlier tests' peers, closing
    const { offerer, answerer } = await connectedPair();
    expect(udpSockets()).toBe(4); // one ICE socket per peer (BUNDLE) and one STUN responder per address
    expect(loopbackStunResponders().map((r) => r.address).sort()).toEqual([GATEWAY, FAR_END]);
    const first = offerer.close();
    expect(offerer.close()).toBe(first);
    await Promise.all([first, answerer.close()]);
    expect(offerer.closed && answerer.closed).toBe(true);
    expect(loopbackStunResponders()).toEqual([]);
    // libuv finishes closing a handle on the next loop turn, after the socket's 'close' event.
    await waitFor(() => udpSockets() === 0, 500);
    // werift's DTLS flight retransmission timers cannot be cancelled; they run out 0.5 s after their flight.
    await waitFor(() => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length === 0, 2000);
    await expect(offerer.waitConnected(100)).rejects.toMatchObject({ code: 'GWSIM_ERR_CLOSED' });
  });

  it('refuses a role twice, an answer without an offer, and work after close', async () => {
    const p = await peer(GATEWAY, 'p');
    await expect(p.acceptAnswer('v=0')).rejects.toMatchObject({ code: 'GWSIM_ERR_ILLEGAL_STATE' });
    await p.createOffer({ video: false });
    await expect(p.acceptOffer('v=0')).rejects.toMatchObject({ code: 'GWSIM_ERR_ILLEGAL_STATE' });
    await p.close();
    const q = await peer(GATEWAY, 'q');
    await q.close();
    await expect(q.createOffer()).rejects.toMatchObject({ code: 'GWSIM_ERR_CLOSED' });
  });

  it('times out waiting when the other side never answers', async () => {
    const p = await peer(GATEWAY, 'lonely');
    await p.createOffer({ video: false });
    await expect(p.waitConnected(50)).rejects.toMatchObject({ code: 'GWSIM_ERR_TIMEOUT' });
  });
});

describe('loopback configuration', () => {
  it('binds ICE to the host address only and asks an IP-literal STUN server', () => {
    const config = loopbackPeerConfig({ address: '127.0.24.3', stunUrl: 'stun:127.0.24.3:3478' });
    expect(config).toMatchObject({
      iceServers: [{ urls: 'stun:127.0.24.3:3478' }],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.24.3'],
      iceInterfaceAddresses: { udp4: '127.0.24.3' },
      bundlePolicy: 'max-bundle',
    });
    expect(() => loopbackPeerConfig({ address: '192.0.2.2', stunUrl: 'stun:127.0.0.1:3478' })).toThrow(/loopback/);
    expect(() => loopbackPeerConfig({ address: '127.0.24.3', stunUrl: 'stun:stun.l.google.com:19302' })).toThrow(/stunUrl/);
    expect(() => loopbackPeerConfig({ address: '127.0.24.3', stunUrl: 'stun:192.0.2.1:3478' })).toThrow(/stunUrl/);
  });

  it('pairs only with remote candidates on loopback', () => {
    const pair = (host: string) => ({ remoteCandidate: { host } }) as Parameters<typeof loopbackPairsOnly>[0];
    expect(loopbackPairsOnly(pair('127.0.24.9'))).toBe(true);
    expect(loopbackPairsOnly(pair('::1'))).toBe(true);
    expect(loopbackPairsOnly(pair('192.0.2.2'))).toBe(false);
    expect(loopbackPairsOnly(pair('fd00::2'))).toBe(false);
  });

  it('answers STUN Binding requests at once with an error, and shares one responder per address', async () => {
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0);
    request.writeUInt32BE(0x2112a442, 4);
    request.fill(7, 8);
    const response = bindingErrorResponse(request)!;
    expect(response.readUInt16BE(0)).toBe(0x0111);
    expect(response.subarray(8, 20)).toEqual(request.subarray(8, 20));
    expect(response.readUInt16BE(2)).toBe(response.length - 20);
    expect([response[26], response[27]]).toEqual([4, 0]);
    expect(bindingErrorResponse(Buffer.from('not stun at all, really'))).toBeNull();

    const a = await leaseLoopbackStun('127.0.24.4');
    const b = await leaseLoopbackStun('127.0.24.4');
    expect(a.url).toBe(b.url);
    const [, host, port] = /^stun:(.+):(\d+)$/.exec(a.url)!;
    const client = dgram.createSocket('udp4');
    const answer = await new Promise<Buffer>((resolve) => {
      client.once('message', resolve);
      client.send(request, Number(port), host);
    });
    client.close();
    expect(answer).toEqual(response);
    await a.release();
    await a.release();
    expect(loopbackStunResponders()).toEqual([{ address: '127.0.24.4', url: a.url, leases: 1 }]);
    await b.release();
    expect(loopbackStunResponders()).toEqual([]);
  });
});

describe('checkWebRtcOffer', () => {
  it('accepts a werift offer and says what is wrong with others', async () => {
    const p = await peer(GATEWAY, 'offer-source');
    const offer = await p.createOffer();
    expect(checkWebRtcOffer(offer)).toMatchObject({ ok: true });
    const problem = (sdp: string) => {
      const check = checkWebRtcOffer(sdp);
      return check.ok ? 'ok' : check.problem;
    };
    expect(problem('hello')).toMatch(/not valid SDP/);
    expect(problem(serializeSdp(createOffer({ address: '127.0.24.5', audioPort: 4000 })))).toMatch(/RTP\/AVP; a WebRTC offer uses UDP\/TLS\/RTP\/SAVPF/);
    expect(problem(offer.replace(/a=fingerprint:[^\r]*\r\n/g, ''))).toMatch(/no a=fingerprint/);
    expect(problem(offer.replace(/a=ice-pwd:[^\r]*\r\n/g, ''))).toMatch(/no a=ice-pwd/);
    expect(problem(offer.replaceAll(GATEWAY, '192.0.2.2'))).toMatch(/no ICE candidate on a loopback address/);
    expect(problem(offer.replace(/a=candidate:[^\r]*\r\n/g, ''))).toMatch(/no ICE candidate/);
  });
});

describe('synthetic payloads', () => {
  it('round-trip kind and counter, and reject other payloads', () => {
    expect(readSyntheticPayload(syntheticPayload('video', 0xfffffffe))).toEqual({ kind: 'video', counter: 0xfffffffe });
    expect(syntheticPayload('audio', 1)).toHaveLength(120);
    expect(readSyntheticPayload(Buffer.from('GWSIM-SYNTHX\0\0\0\0'))).toBeNull();
    expect(readSyntheticPayload(Buffer.from('short'))).toBeNull();
  });
});
