import { createAnswer, DEFAULT_AUDIO_CODECS, findAttribute, mediaTargets, parseSdp, rtpMaps, serializeSdp, VP8_CODEC } from '@gwsim/media';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointMedia, endpointMediaOptions, Vtc } from '../src/index.ts';

/** EndpointMedia's two kinds of leg on their own (no node): what they offer, and the `media` option's checks. */
const A = '127.0.66.230';
const open: EndpointMedia[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.end();
});

async function media(options?: Parameters<typeof EndpointMedia.open>[1]): Promise<EndpointMedia> {
  const m = await EndpointMedia.open(A, options);
  open.push(m);
  return m;
}

const codecs = (sdp: string, i: number) => rtpMaps(parseSdp(sdp).media[i]!).map((r) => r.encodingName);

describe('EndpointMedia', () => {
  it('without the media option: the plain PCMU/PCMA/Opus audio offer, nothing measured', async () => {
    const m = await media();
    const offer = m.offer('room');
    expect(parseSdp(offer).media).toHaveLength(1);
    expect(codecs(offer, 0)).toEqual(['PCMU', 'PCMA', 'opus', 'telephone-event']);
    expect(findAttribute(parseSdp(offer).media[0]!.attributes, 'rtcp-mux')).toBeUndefined();
    expect(m.session).toBeNull();
    expect(m.mediaStats()).toBeNull();
    expect(m.rttHistogram('audio')).toBeNull();
  });

  it('measured: audio (the codec it sends) + VP8 video + VP8 slides, RTCP muxed; the answer sets each stream and sending starts', async () => {
    const m = await media({ audio: 'opus', video: true, content: true });
    const offer = parseSdp(m.offer('room'));
    expect(offer.media.map((s) => [s.type, findAttribute(s.attributes, 'content')?.value ?? null, findAttribute(s.attributes, 'rtcp-mux') !== undefined])).toEqual([
      ['audio', null, true],
      ['video', 'main', true],
      ['video', 'slides', true],
    ]);
    expect(codecs(m.offer('room'), 0)).toEqual(['opus', 'telephone-event']);
    expect(codecs(m.offer('room'), 2)).toEqual(['VP8']);
    const peer = await media({ video: true, content: true }); // stands in for the far end's ports
    const ports = { audioPort: peer.rtp.port, videoPort: peer.session!.port('video').port, contentPort: peer.session!.port('content').port };
    const answer = createAnswer(offer, { address: A, ...ports, codecs: { audio: DEFAULT_AUDIO_CODECS, video: [VP8_CODEC] } });
    m.setRemote(serializeSdp(answer));
    expect(m.remote).toEqual({ address: A, port: peer.rtp.port });
    const targets = mediaTargets(answer);
    await new Promise((r) => setTimeout(r, 300));
    const s = m.mediaStats()!;
    for (const name of ['audio', 'video', 'content'] as const) {
      expect(s.streams[name]!.remote).toEqual({ address: A, port: targets[name]!.port });
      expect(s.streams[name]!.sent.packets, name).toBeGreaterThan(0);
    }
    expect(peer.session!.stats().streams.content!.received.packets).toBeGreaterThan(0);
    await m.end();
    const final = m.mediaStats()!.streams.audio!.sent.packets;
    await new Promise((r) => setTimeout(r, 60));
    expect(m.mediaStats()!.streams.audio!.sent.packets).toBe(final); // stopped with the call
  });

  it('answers a re-INVITE offer on the same ports with what it sends', async () => {
    const m = await media({ video: true });
    const offer = parseSdp(m.offer('peer'));
    const answer = parseSdp(m.answer(serializeSdp(offer), 'room'));
    expect(answer.media.map((s) => s.port)).toEqual([m.rtp.port, m.session!.port('video').port]);
    expect(codecs(serializeSdp(answer), 0)).toEqual(['PCMU', 'telephone-event']);
  });

  it('the media option is checked: codec, booleans, a loopback address', async () => {
    expect(endpointMediaOptions({}, A)).toEqual({ audio: 'pcmu', video: false, content: false });
    expect(() => endpointMediaOptions({ audio: 'g729' as 'pcmu' }, A)).toThrow(/media\.audio: must be one of pcmu, opus, got "g729"/);
    expect(() => endpointMediaOptions({ video: 'yes' as unknown as boolean }, A)).toThrow(/media\.video: must be true or false/);
    await expect(Vtc.start({ name: 'lan', address: '192.0.2.10', dns: [], media: {} })).rejects.toThrow(/address: measured media \(option media\) needs a loopback address/);
  });
});
