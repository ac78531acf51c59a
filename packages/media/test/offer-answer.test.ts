import { GwsimError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import {
  answerDirection,
  createAnswer,
  createOffer,
  mediaDirection,
  negotiatedCodecs,
  parseSdp,
  serializeSdp,
  setDirection,
  type Direction,
  type SessionDescription,
} from '../src/index.ts';
import { fixture } from './support/fixtures.ts';

const ANSWER = { address: '127.0.0.11', audioPort: 40000, videoPort: 40002, sessionId: '99' };

describe('createOffer', () => {
  it('produces a room-system style RTP/AVP offer', () => {
    const offer = createOffer({ address: '192.0.2.50', audioPort: 5004, videoPort: 5006, sessionId: '1700000000' });
    expect(serializeSdp(offer)).toBe(
      [
        'v=0',
        'o=gwsim 1700000000 1700000000 IN IP4 192.0.2.50',
        's=-',
        'c=IN IP4 192.0.2.50',
        't=0 0',
        'm=audio 5004 RTP/AVP 0 8 111 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:111 opus/48000/2',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
        'm=video 5006 RTP/AVP 97',
        'a=rtpmap:97 H264/90000',
        'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it('is audio-only without videoPort, uses IP6 for an IPv6 address and honours codecs', () => {
    const offer = createOffer({ address: '2001:db8::5', audioPort: 6000, sessionId: '7', codecs: { audio: [{ payloadType: 9, name: 'G722', clockRate: 8000 }] } });
    expect(offer.media).toHaveLength(1);
    expect(offer.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::5' });
    expect(offer.origin.addrType).toBe('IP6');
    expect(offer.media[0]!.formats).toEqual(['9']);
    expect(parseSdp(serializeSdp(offer))).toEqual(offer);
  });

  it.each([
    [{ address: '192.0.2.1', audioPort: 0 }, 'audioPort must be an integer from 1 to 65535, got 0'],
    [{ address: '192.0.2.1', audioPort: 5004, videoPort: 70000 }, 'videoPort must be an integer from 1 to 65535, got 70000'],
    [{ address: 'two words', audioPort: 5004 }, 'address must be a host address, got "two words"'],
    [{ address: '192.0.2.1', audioPort: 5004, sessionId: 'abc' }, 'sessionId must be decimal digits, got "abc"'],
    [{ address: '192.0.2.1', audioPort: 5004, codecs: { audio: [] } }, 'no audio codecs to offer'],
  ])('rejects %o', (options, message) => {
    expect(() => createOffer(options)).toThrow(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', message));
  });
});

function summary(offer: SessionDescription, answer: SessionDescription): string[] {
  return negotiatedCodecs(offer, answer).map((s) =>
    s.accepted
      ? `${s.type} ${s.answerPort} ${s.codec?.name}/${s.codec?.clockRate} pt=${s.codec?.payloadType}${s.telephoneEvent ? ` dtmf=${s.telephoneEvent.payloadType}` : ''} ${s.answererDirection}`
      : `${s.type} rejected`,
  );
}

describe('createAnswer (RFC 3264 §6)', () => {
  it('answers a Cisco offer: same m= lines in order, first supported codec, telephone-event kept, extras rejected', () => {
    const offer = parseSdp(fixture('cisco-room-offer.sdp'));
    const answer = createAnswer(offer, ANSWER);
    expect(answer.media.map((m) => `${m.type} ${m.port} ${m.protocol} ${m.formats.join(' ')}`)).toEqual([
      'audio 40000 RTP/AVP 8 102',
      'video 40002 RTP/AVP 97',
      'video 0 RTP/AVP 97 126',
      'application 0 UDP/BFCP *',
      'application 0 RTP/AVP 100',
    ]);
    expect(summary(offer, answer)).toEqual([
      'audio 40000 PCMA/8000 pt=8 dtmf=102 sendrecv',
      'video 40002 H264/90000 pt=97 sendrecv',
      'video rejected',
      'application rejected',
      'application rejected',
    ]);
    const text = serializeSdp(answer);
    expect(text).toContain('a=rtpmap:102 telephone-event/8000\r\na=fmtp:102 0-15\r\n');
    expect(text).toContain('a=fmtp:97 profile-level-id=42e016;max-mbps=245000;max-fs=8160;max-smbps=245000;max-fps=6000\r\n');
    expect(answer.media[2]!.attributes).toEqual([]);
    expect(parseSdp(text)).toEqual(answer);
  });

  it('answers a Polycom offer with PCMU (first of ours in the offer\'s order) and H.264 pt 109', () => {
    const offer = parseSdp(fixture('polycom-group-offer.sdp'));
    expect(summary(offer, createAnswer(offer, ANSWER))).toEqual([
      'audio 40000 PCMU/8000 pt=0 dtmf=101 sendrecv',
      'video 40002 H264/90000 pt=109 sendrecv',
      'application rejected',
      'application rejected',
    ]);
  });

  it('follows the offerer\'s codec order, not ours', () => {
    const offer = createOffer({ address: '192.0.2.1', audioPort: 5004, sessionId: '1', codecs: { audio: [
      { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2 },
      { payloadType: 0, name: 'PCMU', clockRate: 8000 },
      { payloadType: 100, name: 'telephone-event', clockRate: 48000, fmtp: '0-15' },
      { payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-15' },
    ] } });
    const answer = createAnswer(offer, ANSWER);
    // opus wins; the telephone-event with the same clock rate as opus is kept
    expect(summary(offer, answer)).toEqual(['audio 40000 opus/48000 pt=111 dtmf=100 sendrecv']);
    expect(answer.media[0]!.attributes.map((a) => `${a.name}:${a.value}`)).toEqual([
      'rtpmap:111 opus/48000/2',
      'rtpmap:100 telephone-event/48000',
      'fmtp:100 0-15',
      'ptime:20',
      'sendrecv:null',
    ]);
  });

  it('resolves static payload types without rtpmap and matches encoding names case-insensitively', () => {
    const offer = parseSdp('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18 8\r\nm=video 5006 RTP/AVP 120\r\na=rtpmap:120 h264/90000\r\n');
    expect(summary(offer, createAnswer(offer, ANSWER))).toEqual(['audio 40000 PCMA/8000 pt=8 sendrecv', 'video 40002 h264/90000 pt=120 sendrecv']);
  });

  it('rejects streams with no common codec, unknown profiles, offered port 0, or no local port', () => {
    const offer = parseSdp(
      [
        'v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0',
        'm=audio 5004 RTP/AVP 18', 'a=rtpmap:18 G729/8000',
        'm=audio 5008 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
        'm=audio 0 RTP/AVP 0',
        'm=audio 5010 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000',
        'm=video 5006 RTP/AVP 97', 'a=rtpmap:97 H264/90000',
        '',
      ].join('\r\n'),
    );
    const answer = createAnswer(offer, { address: '127.0.0.11', audioPort: 40000, sessionId: '5' });
    expect(answer.media.map((m) => `${m.type} ${m.port} ${m.protocol} ${m.formats.join(' ')}`)).toEqual([
      'audio 0 RTP/AVP 18',
      'audio 0 RTP/SAVP 0',
      'audio 0 RTP/AVP 0',
      'audio 40000 RTP/AVP 0 101',
      'video 0 RTP/AVP 97',
    ]);
  });

  it('keeps telephone-event out when we do not support it', () => {
    const offer = createOffer({ address: '192.0.2.1', audioPort: 5004, sessionId: '1' });
    const answer = createAnswer(offer, { ...ANSWER, codecs: { audio: [{ payloadType: 8, name: 'PCMA', clockRate: 8000 }] } });
    expect(summary(offer, answer)).toEqual(['audio 40000 PCMA/8000 pt=8 sendrecv']);
  });

  it.each([
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendonly', 'sendrecv', 'recvonly'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendrecv', 'recvonly', 'recvonly'],
    ['sendrecv', 'inactive', 'inactive'],
    ['sendonly', 'sendonly', 'inactive'],
    ['recvonly', 'recvonly', 'inactive'],
  ] as [Direction, Direction, Direction][])('offer %s, we want %s → answer %s', (offered, wanted, expected) => {
    expect(answerDirection(offered, wanted)).toBe(expected);
    const offer = createOffer({ address: '192.0.2.1', audioPort: 5004, videoPort: 5006, sessionId: '1', direction: offered });
    const answer = createAnswer(offer, { ...ANSWER, direction: wanted });
    expect(answer.media.map((m) => mediaDirection(m, answer))).toEqual([expected, expected]);
    const negotiated = negotiatedCodecs(offer, answer)[0]!;
    expect(negotiated.answererDirection).toBe(expected);
  });

  it('takes a session-level direction of the offer into account', () => {
    const offer = createOffer({ address: '192.0.2.1', audioPort: 5004, sessionId: '1' });
    offer.media[0]!.attributes = offer.media[0]!.attributes.filter((a) => a.name !== 'sendrecv');
    offer.attributes.push({ name: 'sendonly', value: null });
    expect(mediaDirection(createAnswer(offer, ANSWER).media[0]!)).toBe('recvonly');
  });

  it('an answer to our own offer round-trips through text', () => {
    const offer = createOffer({ address: '192.0.2.1', audioPort: 5004, videoPort: 5006, sessionId: '1' });
    const answer = createAnswer(parseSdp(serializeSdp(offer)), ANSWER);
    expect(summary(offer, parseSdp(serializeSdp(answer)))).toEqual([
      'audio 40000 PCMU/8000 pt=0 dtmf=101 sendrecv',
      'video 40002 H264/90000 pt=97 sendrecv',
    ]);
  });
});

describe('negotiatedCodecs', () => {
  const offer = createOffer({ address: '192.0.2.1', audioPort: 5004, videoPort: 5006, sessionId: '1' });

  it('reports both points of view and falls back to the offer\'s rtpmap for the answer\'s formats', () => {
    const answer = parseSdp('v=0\r\no=- 2 2 IN IP4 127.0.0.11\r\ns=-\r\nc=IN IP4 127.0.0.11\r\nt=0 0\r\nm=audio 40000 RTP/AVP 111 101\r\na=recvonly\r\nm=video 0 RTP/AVP 97\r\n');
    expect(negotiatedCodecs(offer, answer)).toEqual([
      {
        index: 0,
        type: 'audio',
        accepted: true,
        codec: { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2 },
        telephoneEvent: { payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' },
        offererDirection: 'sendonly',
        answererDirection: 'recvonly',
        offerPort: 5004,
        answerPort: 40000,
      },
      { index: 1, type: 'video', accepted: false, codec: null, telephoneEvent: null, offererDirection: 'inactive', answererDirection: 'inactive', offerPort: 5006, answerPort: 0 },
    ]);
  });

  it('rejects answers that break the m= line structure', () => {
    const short = createAnswer(offer, ANSWER);
    short.media.pop();
    expect(() => negotiatedCodecs(offer, short)).toThrow('the answer has 1 m= lines but the offer has 2 (RFC 3264 §6 requires the same number)');
    const swapped = createAnswer(offer, ANSWER);
    swapped.media.reverse();
    expect(() => negotiatedCodecs(offer, swapped)).toThrow('m= line 1 is "audio" in the offer but "video" in the answer');
  });

  it('setDirection replaces the direction attribute in place', () => {
    const o = createOffer({ address: '192.0.2.1', audioPort: 5004, sessionId: '1' });
    setDirection(o.media[0]!, 'inactive');
    expect(o.media[0]!.attributes.map((a) => a.name)).toEqual(['rtpmap', 'rtpmap', 'rtpmap', 'rtpmap', 'fmtp', 'ptime', 'inactive']);
  });
});
