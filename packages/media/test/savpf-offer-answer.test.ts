import { afterEach, describe, expect, it } from 'vitest';
import {
  bundleGroup,
  checkWebRtcOffer,
  createSavpfAnswer,
  createSavpfOffer,
  findAttribute,
  hasRtcpMux,
  isSlides,
  midOf,
  parseSdp,
  serializeSdp,
  WebRtcPeer,
  type SessionDescription,
} from '../src/index.ts';

const attr = (sd: SessionDescription, i: number, name: string) => findAttribute(sd.media[i]!.attributes, name)?.value;

const open: WebRtcPeer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

describe('UDP/TLS/RTP/SAVPF offer/answer (JSEP shapes)', () => {
  it('offers audio, video and slides on one BUNDLE transport with mids, rtcp-mux, ICE, fingerprint and actpass', () => {
    const offer = createSavpfOffer({ address: '127.0.52.20', port: 50000, content: true, iceUfrag: 'abcd', icePwd: 'x'.repeat(22), sessionId: '5' });
    expect(bundleGroup(offer)).toEqual(['0', '1', '2']);
    expect(offer.media.map((m) => `${m.type} ${m.port} ${m.protocol} ${m.formats.join(' ')} mid=${midOf(m)} mux=${hasRtcpMux(m)} slides=${isSlides(m)}`)).toEqual([
      'audio 50000 UDP/TLS/RTP/SAVPF 111 101 mid=0 mux=true slides=false',
      'video 50000 UDP/TLS/RTP/SAVPF 96 mid=1 mux=true slides=false',
      'video 50000 UDP/TLS/RTP/SAVPF 96 mid=2 mux=true slides=true',
    ]);
    for (let i = 0; i < 3; i++) {
      expect(attr(offer, i, 'setup')).toBe('actpass');
      expect(attr(offer, i, 'ice-ufrag')).toBe('abcd');
      expect(attr(offer, i, 'fingerprint')).toMatch(/^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(attr(offer, i, 'candidate')).toBe('1 1 udp 2130706431 127.0.52.20 50000 typ host');
    }
    expect(new Set([0, 1, 2].map((i) => attr(offer, i, 'fingerprint'))).size).toBe(1); // one DTLS transport
    const text = serializeSdp(offer);
    expect(parseSdp(text)).toEqual(offer);
    expect(checkWebRtcOffer(text).ok).toBe(true);
  });

  it('answers accepted sections on its own transport, rejects the rest with port 0 and drops them from BUNDLE', () => {
    const offer = createSavpfOffer({ address: '127.0.52.20', port: 50000, content: true });
    offer.media.push({ ...offer.media[0]!, protocol: 'RTP/AVP', attributes: [{ name: 'mid', value: '3' }, { name: 'rtpmap', value: '0 PCMU/8000' }], formats: ['0'] });
    offer.media[1]!.formats = ['100'];
    offer.media[1]!.attributes = offer.media[1]!.attributes.filter((a) => a.name !== 'rtpmap').concat({ name: 'rtpmap', value: '100 AV1/90000' });
    offer.attributes = [{ name: 'group', value: 'BUNDLE 0 1 2 3' }];
    const answer = createSavpfAnswer(offer, { address: '127.0.52.21', port: 50002 });
    expect(answer.media.map((m) => `${m.type} ${m.port} ${m.formats.join(' ')} mid=${midOf(m)}`)).toEqual([
      'audio 50002 111 101 mid=0',
      'video 0 100 mid=1',
      'video 50002 96 mid=2',
      'audio 0 0 mid=3',
    ]);
    expect(bundleGroup(answer)).toEqual(['0', '2']);
    expect(attr(answer, 0, 'setup')).toBe('active');
    expect(isSlides(answer.media[2]!)).toBe(true);
    expect(parseSdp(serializeSdp(answer))).toEqual(answer);
  });

  it('answers an active offerer as passive (RFC 5763 §5) and checks credentials it is given', () => {
    const offer = createSavpfOffer({ address: '127.0.52.20', port: 50000, video: false, setup: 'active' });
    expect(attr(createSavpfAnswer(offer, { address: '127.0.52.21', port: 50002 }), 0, 'setup')).toBe('passive');
    expect(() => createSavpfOffer({ address: '127.0.52.20', port: 50000, iceUfrag: 'a b' })).toThrow(/iceUfrag must be 4-256 ice-chars/);
    expect(() => createSavpfOffer({ address: '127.0.52.20', port: 50000, fingerprint: 'sha-256 zz' })).toThrow(/fingerprint must be/);
    expect(() => createSavpfOffer({ address: '127.0.52.20', port: 0 })).toThrow('port must be an integer from 1 to 65535, got 0');
    expect(() => createSavpfOffer({ address: '127.0.52.20', port: 1, audio: false, video: false })).toThrow(/needs audio, video or content/);
  });

  it('werift (a real WebRTC stack) answers our offer, and takes our answer to its offer', async () => {
    const far = await WebRtcPeer.create({ address: '127.0.52.22', name: 'werift-answerer' });
    open.push(far);
    const offer = createSavpfOffer({ address: '127.0.52.20', port: 50000 });
    const answer = parseSdp(await far.acceptOffer(serializeSdp(offer)));
    expect(answer.media.map((m) => `${m.type} ${m.protocol} ${midOf(m)} ${m.port > 0}`)).toEqual(['audio UDP/TLS/RTP/SAVPF 0 true', 'video UDP/TLS/RTP/SAVPF 1 true']);
    expect(answer.media.map((m) => findAttribute(m.attributes, 'rtpmap')?.value)).toEqual(['111 opus/48000/2', '96 VP8/90000']);
    expect(findAttribute(answer.media[0]!.attributes, 'setup')?.value).toMatch(/^(active|passive)$/);

    const gateway = await WebRtcPeer.create({ address: '127.0.52.23', name: 'werift-offerer' });
    open.push(gateway);
    const theirOffer = parseSdp(await gateway.createOffer());
    const ours = createSavpfAnswer(theirOffer, { address: '127.0.52.24', port: 50004 });
    expect(bundleGroup(ours)).toEqual(theirOffer.media.map((m) => midOf(m)));
    expect(ours.media.every((m) => m.port === 50004 && hasRtcpMux(m))).toBe(true);
    await expect(gateway.acceptAnswer(serializeSdp(ours))).resolves.toBeUndefined();
  });
});
