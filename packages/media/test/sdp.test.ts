import { describe, expect, it } from 'vitest';
import {
  fmtpFor,
  mediaDirection,
  parseFmtpParams,
  parseSdp,
  ptime,
  rtpMaps,
  SdpParseError,
  serializeSdp,
} from '../src/index.ts';
import { fixture, fixtureNames } from './support/fixtures.ts';

describe('SDP round trip', () => {
  it.each(fixtureNames())('%s re-serializes byte for byte', (name) => {
    const text = fixture(name);
    expect(serializeSdp(parseSdp(text))).toBe(text);
  });

  it('accepts LF line endings and writes CRLF', () => {
    const crlf = fixture('polycom-group-offer.sdp');
    const lf = crlf.replace(/\r\n/g, '\n');
    expect(serializeSdp(parseSdp(lf))).toBe(crlf);
    expect(parseSdp(lf)).toEqual(parseSdp(crlf));
  });

  it('accepts a missing final line break', () => {
    const text = fixture('rfc4566-example.sdp');
    expect(serializeSdp(parseSdp(text.slice(0, -2)))).toBe(text);
  });
});

describe('parseSdp fields', () => {
  it('reads a Cisco room system offer (audio, main and slides video, BFCP, FECC)', () => {
    const sd = parseSdp(fixture('cisco-room-offer.sdp'));
    expect(sd.origin).toEqual({ username: 'tandberg', sessionId: '1', sessionVersion: '2', netType: 'IN', addrType: 'IP4', address: '192.0.2.10' });
    expect(sd.sessionName).toBe('-');
    expect(sd.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.0.2.10' });
    expect(sd.bandwidths).toEqual([{ type: 'AS', value: 6000 }]);
    expect(sd.timing).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(sd.media.map((m) => [m.type, m.port, m.protocol, m.formats.join(' ')])).toEqual([
      ['audio', 2326, 'RTP/AVP', '108 101 9 8 0 18 102'],
      ['video', 2328, 'RTP/AVP', '97 126 96 34 31'],
      ['video', 2330, 'RTP/AVP', '97 126'],
      ['application', 5070, 'UDP/BFCP', '*'],
      ['application', 2332, 'RTP/AVP', '100'],
    ]);
    const [audio, video, slides, bfcp] = sd.media as [typeof sd.media[0], typeof sd.media[0], typeof sd.media[0], typeof sd.media[0]];
    expect(audio.bandwidths).toEqual([{ type: 'TIAS', value: 128000 }]);
    expect(rtpMaps(audio).map((r) => `${r.payloadType} ${r.encodingName}/${r.clockRate}`)).toEqual([
      '108 MP4A-LATM/90000',
      '101 MP4A-LATM/90000',
      '9 G722/8000',
      '8 PCMA/8000',
      '0 PCMU/8000',
      '18 G729/8000',
      '102 telephone-event/8000',
    ]);
    expect(fmtpFor(audio, 102)).toBe('0-15');
    expect(fmtpFor(audio, 18)).toBe('annexb=yes');
    expect(parseFmtpParams(fmtpFor(video, 126)!)).toEqual({ 'profile-level-id': '42e016', 'max-mbps': '245000', 'max-fs': '8160', 'packetization-mode': '1' });
    expect(mediaDirection(audio, sd)).toBe('sendrecv');
    expect(video.attributes.slice(-5)).toEqual([
      { name: 'rtcp-fb', value: '* nack pli' },
      { name: 'content', value: 'main' },
      { name: 'label', value: '11' },
      { name: 'answer', value: 'full' },
      { name: 'sendrecv', value: null },
    ]);
    expect(slides.attributes.find((a) => a.name === 'content')?.value).toBe('slides');
    expect(bfcp.attributes).toEqual([
      { name: 'floorctrl', value: 'c-s' },
      { name: 'confid', value: '1' },
      { name: 'floorid', value: '2 mstrm:12' },
      { name: 'userid', value: '2' },
      { name: 'setup', value: 'actpass' },
      { name: 'connection', value: 'new' },
    ]);
  });

  it('reads every RFC 4566 line type, multicast connections and port counts', () => {
    const sd = parseSdp(fixture('rfc4566-example.sdp'));
    expect(sd).toMatchObject({
      sessionName: 'SDP Seminar',
      information: 'A Seminar on the session description protocol',
      uri: 'http://www.example.com/seminars/sdp.pdf',
      emails: ['j.doe@example.com (Jane Doe)'],
      phones: ['+1 617 555-6011'],
      connection: { netType: 'IN', addrType: 'IP4', address: '224.2.17.12', ttl: 127 },
      bandwidths: [{ type: 'CT', value: 128 }],
      timing: [
        { start: '2873397496', stop: '2873404696', repeats: ['604800 3600 0 90000', '7d 1h 0 25h'] },
        { start: '3034423619', stop: '3042462419', repeats: [] },
      ],
      timeZones: '2882844526 -1h 2898848070 0',
      encryptionKey: 'prompt',
      attributes: [{ name: 'recvonly', value: null }, { name: 'tool', value: 'gwsim' }],
    });
    const [audio, video] = sd.media;
    expect(audio).toMatchObject({ information: 'speaker', port: 49170, attributes: [] });
    expect(mediaDirection(audio!, sd)).toBe('recvonly'); // inherited from the session level
    expect(video).toMatchObject({
      port: 51372,
      numPorts: 2,
      connections: [
        { netType: 'IN', addrType: 'IP4', address: '224.2.1.1', ttl: 127, numAddresses: 3 },
        { netType: 'IN', addrType: 'IP4', address: '224.2.1.8', ttl: 127 },
      ],
      bandwidths: [{ type: 'AS', value: 512 }],
      encryptionKey: 'clear:secret',
    });
  });

  it('reads IPv6 connection addresses and keeps unknown attributes in order', () => {
    const sd = parseSdp(fixture('ipv6-softphone-offer.sdp'));
    expect(sd.origin.addrType).toBe('IP6');
    expect(sd.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::10' });
    const audio = sd.media[0]!;
    expect(audio.connections).toEqual([{ netType: 'IN', addrType: 'IP6', address: 'FF15::101', numAddresses: 3 }]);
    expect(rtpMaps(audio)[0]).toEqual({ payloadType: 111, encodingName: 'opus', clockRate: 48000, channels: 2 });
    expect(ptime(audio)).toBe(20);
    expect(mediaDirection(audio, sd)).toBe('sendonly');
    expect(audio.attributes.slice(-5).map((a) => [a.name, a.value])).toEqual([
      ['sendonly', null],
      ['extmap', '1 urn:ietf:params:rtp-hdrext:ssrc-audio-level'],
      ['ssrc', '1234 cname:abc@example'],
      ['x-unknown', null],
      ['x-empty-value', ''],
    ]);
  });
});

const MINIMAL = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 5004 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000'];

/** Replace line `n` (1-based) of MINIMAL, or insert before it with `insert`. */
function variant(n: number, line: string | null, insert = false): string {
  const lines = [...MINIMAL];
  if (line === null) lines.splice(n - 1, 1);
  else lines.splice(n - 1, insert ? 0 : 1, line);
  return lines.join('\r\n') + '\r\n';
}

describe('parseSdp errors name the line and what was expected', () => {
  it.each([
    ['empty input', '', 0, 'SDP: missing "v=" line (protocol version)'],
    ['v= not first', variant(1, 'o=- 1 1 IN IP4 192.0.2.1'), 1, 'SDP line 1: expected "v=" (protocol version), got "o="'],
    ['v=1', variant(1, 'v=1'), 1, 'SDP line 1: expected "v=0", got "v=1"'],
    ['origin with 5 fields', variant(2, 'o=- 1 1 IN IP4'), 2, 'SDP line 2: expected "o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>" (6 fields separated by single spaces)'],
    ['origin with a double space', variant(2, 'o=-  1 1 IN IP4 192.0.2.1'), 2, 'SDP line 2: expected "o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>" (6 fields separated by single spaces)'],
    ['missing s=', variant(3, null), 3, 'SDP line 3: expected "s=" (session name), got "c="'],
    ['bad connection', variant(4, 'c=IN IP4'), 4, 'SDP line 4: expected "c=<nettype> <addrtype> <connection-address>" (3 fields separated by single spaces)'],
    ['bad TTL', variant(4, 'c=IN IP4 224.2.1.1/ttl'), 4, 'SDP line 4: expected a TTL, got "ttl"'],
    ['too many suffixes on IP6', variant(4, 'c=IN IP6 FF15::1/3/4'), 4, 'SDP line 4: too many "/" suffixes on the IP6 connection address'],
    ['duplicate session c=', variant(5, 'c=IN IP4 192.0.2.2', true), 5, 'SDP line 5: duplicate session-level "c=" line'],
    ['bad bandwidth', variant(5, 'b=AS:fast', true), 5, 'SDP line 5: expected a bandwidth (digits), got "fast"'],
    ['bandwidth without type', variant(5, 'b=:64', true), 5, 'SDP line 5: expected "b=<bwtype>:<bandwidth>"'],
    ['bad timing', variant(5, 't=0'), 5, 'SDP line 5: expected "t=<start-time> <stop-time>" (2 fields separated by single spaces)'],
    ['non-numeric timing', variant(5, 't=now later'), 5, 'SDP line 5: expected "t=<start-time> <stop-time>" in decimal NTP seconds'],
    ['r= before t=', variant(5, 'r=7d 1h 0 25h', true), 5, 'SDP line 5: expected "r=" to follow a "t=" line'],
    ['no t= before m=', variant(5, null), 5, 'SDP line 5: expected a "t=" line before the first "m=" line'],
    ['no t= at all', MINIMAL.slice(0, 4).join('\r\n'), 0, 'SDP: missing "t=" line (timing)'],
    ['m= with too few fields', variant(6, 'm=audio 5004 RTP/AVP'), 6, 'SDP line 6: expected "m=<media> <port>[/<number of ports>] <proto> <fmt> ..." (fields separated by single spaces)'],
    ['m= port out of range', variant(6, 'm=audio 70000 RTP/AVP 0'), 6, 'SDP line 6: expected a port from 0 to 65535, got "70000"'],
    ['m= port not a number', variant(6, 'm=audio x RTP/AVP 0'), 6, 'SDP line 6: expected a port from 0 to 65535, got "x"'],
    ['m= bad port count', variant(6, 'm=audio 5004/2/2 RTP/AVP 0'), 6, 'SDP line 6: expected "<port>[/<number of ports>]", got "5004/2/2"'],
    ['t= inside a media section', variant(8, 't=0 0', true), 8, 'SDP line 8: "t=" is not allowed in a media section (expected i=, c=, b=, k=, a= or m=)'],
    ['unknown line type', variant(5, 'x=1', true), 5, 'SDP line 5: unexpected "x=" line at session level (expected one of i u e p c b t r z k a m)'],
    ['not a type=value line', variant(7, 'a rtpmap:0 PCMU/8000'), 7, 'SDP line 7: expected "<type>=<value>" with a single lower-case letter type'],
    ['upper-case type', variant(7, 'A=rtpmap:0 PCMU/8000'), 7, 'SDP line 7: expected "<type>=<value>" with a single lower-case letter type'],
    ['empty line in the middle', variant(6, '', true), 6, 'SDP line 6: unexpected empty line'],
    ['attribute without a name', variant(7, 'a=:0'), 7, 'SDP line 7: expected "a=<attribute>" or "a=<attribute>:<value>" with a token name'],
    ['attribute name with a space', variant(7, 'a=rtp map:0'), 7, 'SDP line 7: expected "a=<attribute>" or "a=<attribute>:<value>" with a token name'],
    ['stray CR inside a line', variant(7, 'a=rtpmap:0 PCMU\r/8000'), 7, 'SDP line 7: CR and NUL are not allowed inside a line'],
    ['duplicate i= in media', variant(7, 'i=a\r\ni=b'), 8, 'SDP line 8: duplicate "i=" line'],
  ])('%s', (_what, text, line, message) => {
    let caught: unknown;
    try {
      parseSdp(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SdpParseError);
    const e = caught as SdpParseError;
    expect(e.code).toBe('GWSIM_ERR_PARSE');
    expect(e.line).toBe(line);
    expect(e.message).toBe(message);
  });

  it('keeps the offending text on the error', () => {
    try {
      parseSdp(variant(6, 'm=audio x RTP/AVP 0'));
    } catch (err) {
      expect((err as SdpParseError).text).toBe('m=audio x RTP/AVP 0');
    }
    expect.assertions(1);
  });
});
