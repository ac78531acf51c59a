import { createAnswer, createOffer, parseSdp, serializeSdp } from '@gwsim/media';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointMedia, RtpSessionDescriptionHandler } from '../src/index.ts';

const open: EndpointMedia[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.end();
});

async function sdh() {
  const media = await EndpointMedia.open('127.0.50.200');
  open.push(media);
  return { media, h: new RtpSessionDescriptionHandler(media, 'browser') };
}

describe('RtpSessionDescriptionHandler (sip.js media without WebRTC)', () => {
  it('offers plain RTP/AVP on its real RTP port and takes the answer as the media target', async () => {
    const { media, h } = await sdh();
    const offer = await h.getDescription();
    expect(offer.contentType).toBe('application/sdp');
    const audio = parseSdp(offer.body).media[0]!;
    expect([audio.type, audio.port, audio.protocol, parseSdp(offer.body).connection?.address]).toEqual(['audio', media.rtp.port, 'RTP/AVP', '127.0.50.200']);
    const answer = serializeSdp(createAnswer(parseSdp(offer.body), { address: '127.0.50.201', audioPort: 40002 }));
    await h.setDescription(answer);
    expect(media.remote).toEqual({ address: '127.0.50.201', port: 40002 });
    expect(h.hasDescription('application/sdp; charset=utf-8')).toBe(true);
    expect(h.hasDescription('application/json')).toBe(false);
  });

  it('answers an offer from the peer (re-INVITE) on the same port', async () => {
    const { media, h } = await sdh();
    await h.setDescription(serializeSdp(createOffer({ address: '127.0.50.202', audioPort: 40004 })));
    const answer = parseSdp((await h.getDescription()).body);
    expect([answer.media[0]!.port, answer.connection?.address]).toEqual([media.rtp.port, '127.0.50.200']);
    expect(media.remote).toEqual({ address: '127.0.50.202', port: 40004 });
  });

  it('refuses SDP it cannot parse, and descriptions once the call media is closed', async () => {
    const { media, h } = await sdh();
    await expect(h.setDescription('not sdp')).rejects.toThrow(/unusable SDP/);
    await media.end();
    await expect(h.getDescription()).rejects.toMatchObject({ code: 'GWSIM_ERR_CLOSED' });
  });
});
