import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RtcpRrPacket, RtcpSenderInfo, RtcpSrPacket, SrtcpSession } from 'werift';
import { SRTP_ERRORS } from '../src/webrtc/srtp-context.ts';
import { SRTCP_NOT_ENCRYPTED, SrtcpContext } from '../src/webrtc/srtcp-context.ts';

const GCM = 0x0007;
const keys = { masterKey: randomBytes(16), masterSalt: randomBytes(12) };
const weriftKeys = { localMasterKey: keys.masterKey, localMasterSalt: keys.masterSalt, remoteMasterKey: keys.masterKey, remoteMasterSalt: keys.masterSalt };

function senderReport(ssrc: number, packets: number): Buffer {
  const sr = new RtcpSrPacket({ ssrc, senderInfo: new RtcpSenderInfo({ ntpTimestamp: 0x0102030405060708n, rtpTimestamp: 1234, packetCount: packets, octetCount: packets * 160 }) });
  return Buffer.concat([sr.serialize(), new RtcpRrPacket({ ssrc }).serialize()]);
}

describe('SrtcpContext (AEAD_AES_128_GCM, RFC 7714 §9)', () => {
  it('protects byte for byte as werift does, per SSRC index from 1, and werift decrypts it', () => {
    const ours = SrtcpContext.create(keys)!;
    const werift = new SrtcpSession({ keys: weriftKeys, profile: GCM });
    for (let i = 0; i < 5; i++) {
      for (const ssrc of [0x11111111, 0xfeedbeef]) {
        const rtcp = senderReport(ssrc, i);
        const protectedPacket = ours.protect(rtcp);
        expect(protectedPacket.equals(werift.encrypt(rtcp))).toBe(true);
        expect(protectedPacket.readUInt32BE(protectedPacket.length - 4)).toBe((0x80000000 | (i + 1)) >>> 0);
        expect(werift.decrypt(protectedPacket).equals(rtcp)).toBe(true);
      }
    }
  });

  it('unprotects what werift sends, in place', () => {
    const ours = SrtcpContext.create(keys)!;
    const werift = new SrtcpSession({ keys: weriftKeys, profile: GCM });
    const rtcp = senderReport(42, 7);
    const packet = werift.encrypt(rtcp);
    const length = ours.unprotect(packet);
    expect(length).toBe(rtcp.length);
    expect(packet.subarray(0, length).equals(rtcp)).toBe(true);
  });

  it('refuses a replay, a forged tag (packet left as it was), a runt, and leaves unencrypted packets alone', () => {
    const sender = SrtcpContext.create(keys)!;
    const receiver = SrtcpContext.create(keys)!;
    const first = sender.protect(senderReport(9, 1));
    const copy = Buffer.from(first);
    expect(receiver.unprotect(first)).toBeGreaterThan(0);
    expect(receiver.unprotect(copy)).toBe(SRTP_ERRORS.REPLAY);
    const forged = sender.protect(senderReport(9, 2));
    forged[12] = forged[12]! ^ 0xff;
    const before = Buffer.from(forged);
    expect(receiver.unprotect(forged)).toBe(SRTP_ERRORS.AUTH);
    expect(forged.equals(before)).toBe(true);
    expect(receiver.unprotect(Buffer.alloc(20, 0x80))).toBe(SRTP_ERRORS.MALFORMED);
    const clear = sender.protect(senderReport(9, 3));
    clear.writeUInt32BE(clear.readUInt32BE(clear.length - 4) & 0x7fffffff, clear.length - 4);
    expect(receiver.unprotect(clear)).toBe(SRTCP_NOT_ENCRYPTED);
    expect(() => sender.protect(Buffer.alloc(4))).toThrow(/not an RTCP packet of 4 bytes/);
  });
});
