/**
 * SRTCP for AEAD_AES_128_GCM (RFC 7714 §9) on the fast path's addon: one direction of one DTLS-SRTP session,
 * any number of SSRCs. What werift's SrtcpSession does, without a cipher object per packet; the data plane
 * uses it to take RTCP off werift's crypto (werift still builds and reads the reports).
 *
 * Packet: the first 8 octets of the compound (header, sender SSRC) in clear, the rest encrypted, the 16-octet
 * tag, then E‖SRTCP index (4 octets). AAD = the first 8 octets ‖ E‖index; IV = salt XOR (0x0000 ‖ SSRC ‖
 * 0x0000 ‖ index). Session keys use the SRTCP labels (RFC 3711 §4.3.2: 3 cipher key, 5 salt). The index
 * counts per SSRC from 1, as werift's does; received indexes go through a 64-packet replay window. Packets
 * sent unencrypted (E = 0) are not this context's to read: `unprotect` says NOT_ENCRYPTED and leaves them.
 */
import { GwsimError } from '@gwsim/common';
import { fastpath } from '../native.ts';
import { ReceivedStream, srtpKdf, SRTP_ERRORS, writeGcmIv, type SrtpMasterKeys } from './srtp-context.ts';

const KDF_LABEL_SRTCP_CIPHER_KEY = 0x03;
const KDF_LABEL_SRTCP_SALT = 0x05;
const TAG_BYTES = 16;
const INDEX_BYTES = 4;
const HEADER_BYTES = 8;
const ENCRYPTED = 0x80000000;
const MAX_INDEX = 0x7fffffff;
const REPLAY_WINDOW = 64;

/** What unprotect() returns for a valid packet sent without encryption (E = 0): leave it to another reader. */
export const SRTCP_NOT_ENCRYPTED = -4;

export class SrtcpContext {
  /** Bytes protect() adds: tag and E‖index. */
  static readonly overhead = TAG_BYTES + INDEX_BYTES;
  readonly #key: object;
  readonly #salt: Buffer;
  readonly #iv = Buffer.alloc(12);
  readonly #index = Buffer.alloc(INDEX_BYTES);
  readonly #sent = new Map<number, number>();
  readonly #received = new Map<number, ReceivedStream>();

  /** Null without the addon: SRTCP then stays with werift. */
  static create(keys: SrtpMasterKeys): SrtcpContext | null {
    return fastpath.addon === null ? null : new SrtcpContext(keys);
  }

  private constructor(keys: SrtpMasterKeys) {
    if (keys.masterKey.length !== 16 || keys.masterSalt.length !== 12) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `AEAD_AES_128_GCM SRTCP takes a 16-byte master key and a 12-byte master salt, got ${keys.masterKey.length} and ${keys.masterSalt.length}`);
    }
    this.#key = fastpath.addon!.gcmKey(new Uint8Array(srtpKdf(keys.masterKey, keys.masterSalt, KDF_LABEL_SRTCP_CIPHER_KEY, 16)));
    this.#salt = Buffer.from(srtpKdf(keys.masterKey, keys.masterSalt, KDF_LABEL_SRTCP_SALT, 12));
  }

  /** Protect one RTCP compound packet (`length` bytes of `rtcp`): a new Buffer of length + overhead. */
  protect(rtcp: Buffer, length = rtcp.length): Buffer {
    if (length < HEADER_BYTES || length > rtcp.length || (rtcp[0]! & 0xc0) !== 0x80) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `SRTCP protect: not an RTCP packet of ${length} bytes (buffer ${rtcp.length})`);
    }
    const ssrc = rtcp.readUInt32BE(4);
    const index = ((this.#sent.get(ssrc) ?? 0) % MAX_INDEX) + 1;
    this.#sent.set(ssrc, index);
    const out = Buffer.allocUnsafe(length + SrtcpContext.overhead);
    rtcp.copy(out, 0, 0, length);
    const eIndex = out.subarray(length + TAG_BYTES);
    eIndex.writeUInt32BE((ENCRYPTED | index) >>> 0, 0);
    fastpath.addon!.gcmSeal(this.#key, out, HEADER_BYTES, length, this.#ivFor(ssrc, index), eIndex);
    return out;
  }

  /**
   * Unprotect in place: the RTCP length, or a negative code (SRTP_ERRORS: malformed, authentication, replay;
   * SRTCP_NOT_ENCRYPTED) with `srtcp` and the context unchanged.
   */
  unprotect(srtcp: Buffer): number {
    const length = srtcp.length - SrtcpContext.overhead;
    if (length < HEADER_BYTES || (srtcp[0]! & 0xc0) !== 0x80) return SRTP_ERRORS.MALFORMED;
    const eIndex = srtcp.readUInt32BE(srtcp.length - INDEX_BYTES);
    if ((eIndex & ENCRYPTED) === 0) return SRTCP_NOT_ENCRYPTED;
    const index = eIndex & MAX_INDEX;
    const ssrc = srtcp.readUInt32BE(4);
    const stream = this.#received.get(ssrc);
    if (stream !== undefined) {
      const back = stream.index - index;
      if (back >= REPLAY_WINDOW || (back >= 0 && stream.seen(back))) return SRTP_ERRORS.REPLAY;
    }
    // the E‖index octets are AAD; copy them out: the open call reads them while it writes the payload
    srtcp.copy(this.#index, 0, srtcp.length - INDEX_BYTES);
    if (!fastpath.addon!.gcmOpen(this.#key, srtcp, HEADER_BYTES, length, this.#ivFor(ssrc, index), this.#index)) return SRTP_ERRORS.AUTH;
    if (stream === undefined) this.#received.set(ssrc, new ReceivedStream(index));
    else stream.accept(index);
    return length;
  }

  /** RFC 7714 §9.1: IV = (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ index) XOR salt. */
  #ivFor(ssrc: number, index: number): Buffer {
    return writeGcmIv(this.#iv, this.#salt, ssrc, index);
  }
}
