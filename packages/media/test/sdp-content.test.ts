import { describe, expect, it } from 'vitest';
import {
  contentOf,
  createAnswer,
  createOffer,
  DEFAULT_AUDIO_CODECS,
  hasRtcpMux,
  isSlides,
  mediaTargets,
  negotiatedCodecs,
  parseSdp,
  serializeSdp,
  VP8_CODEC,
} from '../src/index.ts';
import { fixture } from './support/fixtures.ts';

const ANSWER = { address: '127.0.52.11', audioPort: 40000, videoPort: 40002, contentPort: 40004, sessionId: '99' };

describe('RTP/AVP offer/answer with a presentation stream (RFC 4796) and rtcp-mux (RFC 5761)', () => {
  it('offers audio, main video and slides video, each with a=rtcp-mux', () => {
    const offer = createOffer({ address: '127.0.52.10', audioPort: 5004, videoPort: 5006, contentPort: 5008, rtcpMux: true, sessionId: '1', codecs: { audio: DEFAULT_AUDIO_CODECS.slice(0, 1), video: [VP8_CODEC] } });
    expect(serializeSdp(offer)).toBe(
      [
        'v=0',
        'o=gwsim 1 1 IN IP4 127.0.52.10',
        's=-',
        'c=IN IP4 127.0.52.10',
        't=0 0',
        'm=audio 5004 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=ptime:20',
        'a=sendrecv',
        'a=rtcp-mux',
        'm=video 5006 RTP/AVP 96',
        'a=rtpmap:96 VP8/90000',
        'a=content:main',
        'a=sendrecv',
        'a=rtcp-mux',
        'm=video 5008 RTP/AVP 96',
        'a=rtpmap:96 VP8/90000',
        'a=content:slides',
        'a=sendrecv',
        'a=rtcp-mux',
        '',
      ].join('\r\n'),
    );
    expect(offer.media.map(isSlides)).toEqual([false, false, true]);
    expect(offer.media.map(contentOf)).toEqual([[], ['main'], ['slides']]);
  });

  it('answers the slides stream on the content port, mirrors a=content and accepts rtcp-mux', () => {
    const offer = createOffer({ address: '127.0.52.10', audioPort: 5004, videoPort: 5006, contentPort: 5008, rtcpMux: true, sessionId: '1', codecs: { video: [VP8_CODEC] } });
    const answer = createAnswer(offer, { ...ANSWER, codecs: { video: [VP8_CODEC] } });
    expect(answer.media.map((m) => `${m.type} ${m.port} ${contentOf(m).join(',')} mux=${hasRtcpMux(m)}`)).toEqual([
      'audio 40000  mux=true',
      'video 40002 main mux=true',
      'video 40004 slides mux=true',
    ]);
    expect(negotiatedCodecs(offer, answer).map((s) => `${s.codec?.name} ${s.answerPort}`)).toEqual(['PCMU 40000', 'VP8 40002', 'VP8 40004']);
    expect(parseSdp(serializeSdp(answer))).toEqual(answer);
    const noMux = createAnswer(offer, { ...ANSWER, codecs: { video: [VP8_CODEC] }, rtcpMux: false });
    expect(noMux.media.some(hasRtcpMux)).toBe(false);
  });

  it('answers a Cisco room system\'s main + slides H.264 streams when it has a content port', () => {
    const offer = parseSdp(fixture('cisco-room-offer.sdp'));
    const answer = createAnswer(offer, ANSWER);
    expect(answer.media.map((m) => `${m.type} ${m.port} ${m.formats.join(' ')} ${contentOf(m).join(',')}`)).toEqual([
      'audio 40000 8 102 ',
      'video 40002 97 main',
      'video 40004 97 slides',
      'application 0 * ',
      'application 0 100 ',
    ]);
  });

  it('sends slides to the content port whatever the m= line order; a second slides stream is rejected', () => {
    const offer = parseSdp(
      [
        'v=0', 'o=- 1 1 IN IP4 127.0.52.10', 's=-', 'c=IN IP4 127.0.52.10', 't=0 0',
        'm=video 6000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=content:slides',
        'm=audio 6002 RTP/AVP 0',
        'm=video 6004 RTP/AVP 96', 'a=rtpmap:96 H264/90000',
        'm=video 6006 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=content:slides,speaker',
        '',
      ].join('\r\n'),
    );
    expect(createAnswer(offer, ANSWER).media.map((m) => m.port)).toEqual([40004, 40000, 40002, 0]);
    // without a content port the first video stream is the video, as before
    expect(createAnswer(offer, { ...ANSWER, contentPort: undefined }).media.map((m) => m.port)).toEqual([40002, 40000, 0, 0]);
  });

  it('mediaTargets: where each stream goes, from media-level or session-level c=', () => {
    const sd = parseSdp(
      [
        'v=0', 'o=- 1 1 IN IP4 127.0.52.10', 's=-', 'c=IN IP4 127.0.52.10', 't=0 0',
        'm=audio 7000 RTP/AVP 0', 'a=rtcp-mux',
        'm=video 0 RTP/AVP 96',
        'm=video 7002 RTP/AVP 96', 'c=IN IP4 127.0.52.12',
        'm=video 7004 RTP/AVP 96', 'a=content:slides',
        'm=application 7006 UDP/BFCP *',
        '',
      ].join('\r\n'),
    );
    expect(mediaTargets(sd)).toEqual({
      audio: { address: '127.0.52.10', port: 7000, index: 0, rtcpMux: true },
      video: { address: '127.0.52.12', port: 7002, index: 2, rtcpMux: false },
      content: { address: '127.0.52.10', port: 7004, index: 3, rtcpMux: false },
    });
  });

  it('rejects a bad content port like the others', () => {
    expect(() => createOffer({ address: '127.0.52.10', audioPort: 5004, contentPort: 0 })).toThrow('contentPort must be an integer from 1 to 65535, got 0');
  });
});
