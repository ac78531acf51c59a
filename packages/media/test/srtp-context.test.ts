import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RtpHeader, SrtpSession } from 'werift';
import {
  deriveSrtpSessionKeys,
  SRTP_ERRORS,
  SrtpContext,
  srtpKdf,
  srtpKeyLengths,
  srtpProfileName,
  type SrtpMasterKeys,
  type SrtpProfileName,
} from '../src/webrtc/srtp-context.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const PROFILES: readonly SrtpProfileName[] = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];
const PROFILE_IDS: Record<SrtpProfileName, number> = { AES_CM_128_HMAC_SHA1_80: 0x0001, AEAD_AES_128_GCM: 0x0007 };

function masterKeys(profile: SrtpProfileName): SrtpMasterKeys {
  const { key, salt } = srtpKeyLengths(profile);
  return { masterKey: randomBytes(key), masterSalt: randomBytes(salt) };
}

interface PacketOptions {
  seq: number;
  ssrc?: number;
  payloadBytes?: number;
  csrcs?: number[];
  mid?: string;
  padding?: number;
}

/** A werift header (CSRCs, one-byte-header MID extension as werift sends it) and the same packet as bytes. */
function packet(o: PacketOptions): { header: RtpHeader; payload: Buffer; raw: Buffer } {
  const payload = Buffer.alloc((o.payloadBytes ?? 160) + (o.padding ?? 0), o.seq & 0xff);
  if (o.padding) payload[payload.length - 1] = o.padding;
  const fields = {
    payloadType: 111,
    sequenceNumber: o.seq,
    timestamp: o.seq * 960,
    ssrc: o.ssrc ?? 0x11223344,
    marker: false,
    padding: (o.padding ?? 0) > 0,
    csrc: o.csrcs ?? [],
    extensions: o.mid === undefined ? [] : [{ id: 4, payload: Buffer.from(o.mid) }],
  };
  const headerBytes = new RtpHeader({ ...fields }).serialize(new RtpHeader({ ...fields }).serializeSize);
  return { header: new RtpHeader({ ...fields }), payload, raw: Buffer.concat([headerBytes, payload]) };
}

function weriftPeer(profile: SrtpProfileName, keys: SrtpMasterKeys): SrtpSession {
  return new SrtpSession({
    keys: { localMasterKey: keys.masterKey, localMasterSalt: keys.masterSalt, remoteMasterKey: keys.masterKey, remoteMasterSalt: keys.masterSalt },
    profile: PROFILE_IDS[profile],
  });
}

/** 65530 … 65535, 0 … 5: the rollover counter goes from 0 to 1 halfway. */
const ACROSS_WRAP = [...Array.from({ length: 6 }, (_, i) => 65530 + i), ...Array.from({ length: 6 }, (_, i) => i)];
/** ACROSS_WRAP as a network might deliver it: late packets on both sides of the wrap. */
const REORDERED = [65530, 65531, 65533, 65532, 0, 65535, 1, 65534, 3, 2, 4, 5];

describe('profiles', () => {
  it('maps the DTLS-SRTP profile ids and key lengths', () => {
    expect(srtpProfileName(0x0001)).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(srtpProfileName(0x0007)).toBe('AEAD_AES_128_GCM');
    expect(srtpProfileName(0x0002)).toBeUndefined();
    expect(srtpKeyLengths('AES_CM_128_HMAC_SHA1_80')).toEqual({ key: 16, salt: 14 });
    expect(srtpKeyLengths('AEAD_AES_128_GCM')).toEqual({ key: 16, salt: 12 });
    expect(new SrtpContext('AES_CM_128_HMAC_SHA1_80', masterKeys('AES_CM_128_HMAC_SHA1_80')).overhead).toBe(10);
    expect(new SrtpContext('AEAD_AES_128_GCM', masterKeys('AEAD_AES_128_GCM')).overhead).toBe(16);
  });

  it('refuses master keys of the wrong length', () => {
    expect(() => new SrtpContext('AEAD_AES_128_GCM', masterKeys('AES_CM_128_HMAC_SHA1_80'))).toThrow(/12-byte master salt/);
    expect(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', { masterKey: randomBytes(32), masterSalt: randomBytes(14) })).toThrow(
      expect.objectContaining({ code: 'GWSIM_ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('RFC 3711 test vectors', () => {
  it('B.3: key derivation', () => {
    const keys = { masterKey: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), masterSalt: hex('0EC675AD498AFEEBB6960B3AABE6') };
    const session = deriveSrtpSessionKeys('AES_CM_128_HMAC_SHA1_80', keys);
    expect(session.cipherKey.toString('hex')).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(session.cipherSalt.toString('hex')).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(session.authKey!.toString('hex')).toBe('cebe321f6ff7716b6fd4ab49af256a156d38baa4');
    // The RFC shows 94 bytes of the auth-key keystream: six blocks of the PRF's counter.
    expect(srtpKdf(keys.masterKey, keys.masterSalt, 0x01, 94)).toEqual(
      hex(`CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098
           6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2`),
    );
  });

  const B2_KEY = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const B2_SALT = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
  const B2_START = hex('E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0');

  it('B.2: AES-CM keystream of a packet with SSRC 0 and index 0', () => {
    const ctx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', { cipherKey: B2_KEY, cipherSalt: B2_SALT, authKey: Buffer.alloc(20) });
    const rtp = Buffer.alloc(12 + 48);
    rtp[0] = 0x80;
    expect(ctx.protect(rtp).subarray(12, 60)).toEqual(B2_START);
  });

  it('B.2: the whole 65282-block segment, through the PRF (same AES-CM with label 0)', () => {
    const keystream = srtpKdf(B2_KEY, B2_SALT, 0x00, 1044512);
    expect(keystream.subarray(0, 48)).toEqual(B2_START);
    expect(keystream.subarray(-48)).toEqual(hex('EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE 6A2CC3787889374FBEB4C81B17BA6C44'));
  });
});

describe('RFC 7714 §16 AEAD_AES_128_GCM test vectors', () => {
  const session = { cipherKey: hex('000102030405060708090a0b0c0d0e0f'), cipherSalt: Buffer.from('Quid pro quo') };
  const plain = hex('8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573');
  const protectedPacket = hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
                               0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`);

  it('16.1.1: encryption', () => {
    expect(new SrtpContext('AEAD_AES_128_GCM', session).protect(plain)).toEqual(protectedPacket);
  });

  it('16.1.2: decryption, in place', () => {
    const buf = Buffer.from(protectedPacket);
    expect(new SrtpContext('AEAD_AES_128_GCM', session).unprotect(buf)).toBe(plain.length);
    expect(buf.subarray(0, plain.length)).toEqual(plain);
  });

  it('16.1.2: a changed ciphertext byte fails authentication', () => {
    const buf = Buffer.from(protectedPacket);
    buf[20]! ^= 0x01;
    expect(new SrtpContext('AEAD_AES_128_GCM', session).unprotect(buf)).toBe(SRTP_ERRORS.AUTH);
  });
});

describe.each(PROFILES)('interop with werift (%s)', (profile) => {
  const options = { csrcs: [0xcafe0001, 0xcafe0002], mid: '0' };

  it('protect is byte-identical to werift encrypt across the wrap, and werift decrypts it', () => {
    const keys = masterKeys(profile);
    const ours = new SrtpContext(profile, keys);
    const weriftSender = weriftPeer(profile, keys);
    const weriftReceiver = weriftPeer(profile, keys);
    for (const seq of ACROSS_WRAP) {
      const p = packet({ seq, ...options, payloadBytes: seq === 3 ? 1100 : 160 });
      const srtp = ours.protect(p.raw);
      expect(srtp.length).toBe(p.raw.length + ours.overhead);
      expect(srtp).toEqual(weriftSender.encrypt(p.payload, p.header));
      expect(weriftReceiver.decrypt(Buffer.from(srtp))).toEqual(p.raw);
    }
    expect(ours.dump().sent).toEqual([{ ssrc: 0x11223344, rolloverCounter: 1, sequenceNumber: 5 }]);
  });

  it('werift decrypts what we protect, delivered out of order around the wrap', () => {
    const keys = masterKeys(profile);
    const ours = new SrtpContext(profile, keys);
    const sent = new Map(ACROSS_WRAP.map((seq) => [seq, ours.protect(packet({ seq, ...options }).raw)]));
    const werift = weriftPeer(profile, keys);
    for (const seq of REORDERED) expect(werift.decrypt(sent.get(seq)!)).toEqual(packet({ seq, ...options }).raw);
  });

  it('we unprotect what werift encrypts, in order and out of order around the wrap', () => {
    const keys = masterKeys(profile);
    const werift = weriftPeer(profile, keys);
    const sent = new Map(
      ACROSS_WRAP.map((seq) => {
        const p = packet({ seq, ...options, payloadBytes: seq % 3 === 0 ? 1100 : 160 });
        return [seq, werift.encrypt(p.payload, p.header)];
      }),
    );
    for (const order of [ACROSS_WRAP, REORDERED]) {
      const ours = new SrtpContext(profile, keys);
      for (const seq of order) {
        const buf = Buffer.from(sent.get(seq)!);
        const expected = packet({ seq, ...options, payloadBytes: seq % 3 === 0 ? 1100 : 160 }).raw;
        expect(ours.unprotect(buf)).toBe(expected.length);
        expect(buf.subarray(0, expected.length)).toEqual(expected);
      }
      expect(ours.dump().received).toEqual([{ ssrc: 0x11223344, rolloverCounter: 1, sequenceNumber: 5 }]);
    }
  });

  it('RTP padding is encrypted with the payload and comes back whole', () => {
    const keys = masterKeys(profile);
    const p = packet({ seq: 77, ...options, payloadBytes: 37, padding: 3 });
    const tx = new SrtpContext(profile, keys);
    const srtp = tx.protect(p.raw);
    expect(srtp).toEqual(weriftPeer(profile, keys).encrypt(p.payload, p.header));
    expect(srtp.subarray(p.raw.length - 3, p.raw.length)).not.toEqual(p.raw.subarray(-3));
    expect(new SrtpContext(profile, keys).unprotect(srtp)).toBe(p.raw.length);
    expect(srtp.subarray(0, p.raw.length)).toEqual(p.raw);
  });
});

describe.each(PROFILES)('protect and unprotect (%s)', (profile) => {
  it('protects `length` bytes of a larger buffer and leaves the input alone', () => {
    const ctx = new SrtpContext(profile, masterKeys(profile));
    const p = packet({ seq: 9, mid: '1' });
    const scratch = Buffer.concat([p.raw, Buffer.alloc(200, 0xee)]);
    const before = Buffer.from(scratch);
    const srtp = ctx.protect(scratch, p.raw.length);
    expect(scratch).toEqual(before);
    expect(srtp.length).toBe(p.raw.length + ctx.overhead);
    expect(srtp.subarray(0, 12)).toEqual(p.raw.subarray(0, 12));
    expect(srtp.subarray(p.raw.length - 160, p.raw.length)).not.toEqual(p.payload);
  });

  it('packets at any byte offset (XOR by words needs 4-byte alignment, by bytes does not)', () => {
    const keys = masterKeys(profile);
    const tx = new SrtpContext(profile, keys);
    const rx = new SrtpContext(profile, keys);
    const werift = weriftPeer(profile, keys);
    for (const [seq, offset] of [[1, 0], [2, 1], [3, 2], [4, 3]] as const) {
      const p = packet({ seq, payloadBytes: 1100, mid: '0' });
      const rtp = Buffer.alloc(p.raw.length + 4).subarray(offset, offset + p.raw.length);
      p.raw.copy(rtp);
      const srtp = tx.protect(rtp);
      expect(werift.decrypt(Buffer.from(srtp))).toEqual(p.raw);
      const wire = Buffer.alloc(srtp.length + 4).subarray(3 - offset, 3 - offset + srtp.length);
      srtp.copy(wire);
      expect(rx.unprotect(wire)).toBe(p.raw.length);
      expect(wire.subarray(0, p.raw.length)).toEqual(p.raw);
    }
  });

  it('protect refuses what is not RTP', () => {
    const ctx = new SrtpContext(profile, masterKeys(profile));
    expect(() => ctx.protect(Buffer.alloc(11, 0x80))).toThrow(expect.objectContaining({ code: 'GWSIM_ERR_INVALID_ARGUMENT' }));
    expect(() => ctx.protect(Buffer.alloc(40, 0x40))).toThrow(/not an RTP v2 packet/);
    expect(() => ctx.protect(packet({ seq: 1 }).raw, 500)).toThrow(/not an RTP v2 packet/);
  });

  it('a packet with an empty payload round-trips', () => {
    const keys = masterKeys(profile);
    const raw = packet({ seq: 5, payloadBytes: 0, csrcs: [7] }).raw;
    const srtp = new SrtpContext(profile, keys).protect(raw);
    expect(new SrtpContext(profile, keys).unprotect(srtp)).toBe(raw.length);
    expect(srtp.subarray(0, raw.length)).toEqual(raw);
  });

  it('a late packet resent after the wrap is protected under the ROC it had', () => {
    const keys = masterKeys(profile);
    const tx = new SrtpContext(profile, keys);
    const rx = new SrtpContext(profile, keys);
    for (const seq of [65534, 0, 65535, 1]) {
      const raw = packet({ seq }).raw;
      const srtp = tx.protect(raw);
      expect(rx.unprotect(srtp)).toBe(raw.length);
      expect(srtp.subarray(0, raw.length)).toEqual(raw);
    }
    expect(tx.dump().sent[0]).toMatchObject({ rolloverCounter: 1, sequenceNumber: 1 });
  });

  it('late packets do not move the sender rollover counter back', () => {
    const keys = masterKeys(profile);
    const withLate = new SrtpContext(profile, keys);
    const inOrder = new SrtpContext(profile, keys);
    for (const seq of [65535, 0, 30000, 60000, 30001]) withLate.protect(packet({ seq }).raw);
    for (const seq of [65535, 0, 30000, 60000]) inOrder.protect(packet({ seq }).raw);
    // After 60000, 100 is past the next wrap (ROC 2); a sender that had moved back to 30001 would keep ROC 1.
    expect(withLate.protect(packet({ seq: 100 }).raw)).toEqual(inOrder.protect(packet({ seq: 100 }).raw));
    expect(withLate.dump().sent[0]).toMatchObject({ rolloverCounter: 2, sequenceNumber: 100 });
  });

  it('two SSRCs in one context keep independent rollover counters', () => {
    const keys = masterKeys(profile);
    const tx = new SrtpContext(profile, keys);
    const rx = new SrtpContext(profile, keys);
    const werift = weriftPeer(profile, keys);
    const a = [65534, 65535, 0, 1];
    const b = [30000, 30001, 30002, 30003];
    for (let i = 0; i < a.length; i++) {
      for (const [ssrc, seq] of [[0xaaaa0001, a[i]!], [0xbbbb0002, b[i]!]] as const) {
        const raw = packet({ seq, ssrc, mid: '2' }).raw;
        const srtp = tx.protect(raw);
        expect(werift.decrypt(Buffer.from(srtp))).toEqual(raw);
        expect(rx.unprotect(srtp)).toBe(raw.length);
        expect(srtp.subarray(0, raw.length)).toEqual(raw);
      }
    }
    const expected = [
      { ssrc: 0xaaaa0001, rolloverCounter: 1, sequenceNumber: 1 },
      { ssrc: 0xbbbb0002, rolloverCounter: 0, sequenceNumber: 30003 },
    ];
    expect(tx.dump().sent).toEqual(expected);
    expect(rx.dump().received).toEqual(expected);
  });
});

describe.each(PROFILES)('failures (%s)', (profile) => {
  function setup() {
    const keys = masterKeys(profile);
    const tx = new SrtpContext(profile, keys);
    const rx = new SrtpContext(profile, keys);
    const send = (seq: number, o: Partial<PacketOptions> = {}): Buffer => tx.protect(packet({ seq, mid: '0', csrcs: [1], ...o }).raw);
    return { tx, rx, send };
  }

  it.each([
    ['payload', (b: Buffer, overhead: number) => b.length - overhead - 7],
    ['header (timestamp)', () => 5],
    ['header extension', () => 12 + 4 + 4 + 1],
    ['tag', (b: Buffer) => b.length - 1],
  ])('a flipped bit in the %s fails authentication and changes nothing', (_where, at) => {
    const { rx, send } = setup();
    expect(rx.unprotect(send(100))).toBeGreaterThan(0);
    const genuine = send(101);
    const forged = Buffer.from(genuine);
    forged[at(forged, rx.overhead)]! ^= 0x10;
    const forgedBefore = Buffer.from(forged);
    const stateBefore = rx.dump();
    expect(rx.unprotect(forged)).toBe(SRTP_ERRORS.AUTH);
    expect(forged).toEqual(forgedBefore);
    expect(rx.dump()).toEqual(stateBefore);
    expect(rx.unprotect(genuine)).toBe(genuine.length - rx.overhead);
  });

  it('a forged packet far ahead does not move the rollover counter or the window', () => {
    const { rx, send } = setup();
    expect(rx.unprotect(send(60000))).toBeGreaterThan(0);
    const forged = send(60001);
    forged.writeUInt16BE(5, 2); // would be read as ROC 1
    expect(rx.unprotect(forged)).toBe(SRTP_ERRORS.AUTH);
    expect(rx.unprotect(send(60001))).toBeGreaterThan(0);
    expect(rx.dump().received[0]).toMatchObject({ rolloverCounter: 0, sequenceNumber: 60001 });
  });

  it('a packet from the first SSRC it sees that fails authentication creates no stream', () => {
    const { rx, send } = setup();
    const forged = send(10);
    forged[forged.length - 1]! ^= 1;
    expect(rx.unprotect(forged)).toBe(SRTP_ERRORS.AUTH);
    expect(rx.dump().received).toEqual([]);
  });

  it('a replayed packet and one older than the window are replays; a late one inside it is not', () => {
    const { rx, send } = setup();
    const packets = new Map<number, Buffer>();
    for (let seq = 1; seq <= 100; seq++) packets.set(seq, send(seq));
    for (let seq = 1; seq <= 100; seq++) if (seq !== 20 && seq !== 50) expect(rx.unprotect(Buffer.from(packets.get(seq)!))).toBeGreaterThan(0);
    expect(rx.unprotect(Buffer.from(packets.get(100)!))).toBe(SRTP_ERRORS.REPLAY);
    expect(rx.unprotect(Buffer.from(packets.get(77)!))).toBe(SRTP_ERRORS.REPLAY);
    expect(rx.unprotect(Buffer.from(packets.get(20)!))).toBe(SRTP_ERRORS.REPLAY); // 80 behind
    const late = Buffer.from(packets.get(50)!); // 50 behind: inside the 64-packet window
    expect(rx.unprotect(late)).toBeGreaterThan(0);
    expect(rx.unprotect(Buffer.from(packets.get(50)!))).toBe(SRTP_ERRORS.REPLAY);
  });

  it('the window slides by more than 32 and by more than 64 packets', () => {
    const { rx, send } = setup();
    const p1 = send(1);
    const p20 = send(20);
    const p40 = send(40);
    const p55 = send(55);
    const p200 = send(200);
    const p150 = send(150);
    expect(rx.unprotect(Buffer.from(p1))).toBeGreaterThan(0);
    expect(rx.unprotect(Buffer.from(p40))).toBeGreaterThan(0);
    expect(rx.unprotect(Buffer.from(p1))).toBe(SRTP_ERRORS.REPLAY); // 39 behind, seen: bit in the high word
    expect(rx.unprotect(Buffer.from(p20))).toBeGreaterThan(0);
    expect(rx.unprotect(Buffer.from(p55))).toBeGreaterThan(0); // 20 moves from bit 20 of the low word to bit 35, 1 from 39 to 54
    expect(rx.unprotect(Buffer.from(p20))).toBe(SRTP_ERRORS.REPLAY);
    expect(rx.unprotect(Buffer.from(p1))).toBe(SRTP_ERRORS.REPLAY);
    expect(rx.unprotect(Buffer.from(p200))).toBeGreaterThan(0);
    expect(rx.unprotect(Buffer.from(p40))).toBe(SRTP_ERRORS.REPLAY); // 160 behind
    expect(rx.unprotect(Buffer.from(p150))).toBeGreaterThan(0); // 50 behind, not seen
    expect(rx.unprotect(Buffer.from(p150))).toBe(SRTP_ERRORS.REPLAY);
  });

  it('truncated and malformed packets are MALFORMED, without throwing', () => {
    const { rx, send } = setup();
    const good = send(1, { csrcs: [1, 2, 3] });
    const cases: Buffer[] = [
      Buffer.alloc(0),
      good.subarray(0, 5),
      good.subarray(0, 12 + rx.overhead - 1),
      good.subarray(0, 12 + 12 + rx.overhead - 1), // CSRCs cut short
      good.subarray(0, 12 + 12 + 3 + rx.overhead), // extension header cut short
      Buffer.concat([Buffer.from([0x40]), good.subarray(1)]), // version 1
    ];
    const hugeExtension = Buffer.from(good);
    hugeExtension.writeUInt16BE(0x0400, 12 + 12 + 2);
    cases.push(hugeExtension);
    for (const c of cases) expect(rx.unprotect(Buffer.from(c))).toBe(SRTP_ERRORS.MALFORMED);
    expect(rx.dump().received).toEqual([]);
    expect(rx.unprotect(good)).toBeGreaterThan(0);
  });
});
