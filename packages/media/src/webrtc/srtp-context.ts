/**
 * SRTP (RFC 3711) for RTP packets, without werift's per-packet objects: AES_CM_128_HMAC_SHA1_80 and
 * AEAD_AES_128_GCM (RFC 7714). SRTCP stays with werift. One SrtpContext is one direction of one DTLS-SRTP
 * session; it keeps a rollover counter and replay window per SSRC.
 *
 * Where the time goes (bench/srtp.ts): node:crypto has no reusable GCM context, so GCM costs one
 * createCipheriv per packet. For AES-CM a single long-lived AES-128-ECB cipher turns the packet's counter
 * blocks (§4.1.1) into keystream in one update() call, about half the cost of a per-packet AES-CTR cipher;
 * the counter blocks are written in place into a scratch buffer through a 32-bit view. With the media fast
 * path's addon (native.ts) GCM uses one OpenSSL context per key instead, reused for every packet.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, type Cipher, type KeyObject } from 'node:crypto';
import { GwsimError } from '@gwsim/common';
import { fastpath } from '../native.ts';

export type SrtpProfileName = 'AEAD_AES_128_GCM' | 'AES_CM_128_HMAC_SHA1_80';

/** DTLS-SRTP protection profile ids (RFC 5764 §4.1.2, RFC 7714 §14.2) → name; werift's dtls.srtp.srtpProfile is this number. */
export function srtpProfileName(id: number): SrtpProfileName | undefined {
  if (id === 0x0001) return 'AES_CM_128_HMAC_SHA1_80';
  if (id === 0x0007) return 'AEAD_AES_128_GCM';
  return undefined;
}

/** Master key and master salt lengths in bytes (RFC 5764 §4.1.2, RFC 7714 §12). */
export function srtpKeyLengths(profile: SrtpProfileName): { key: number; salt: number } {
  return profile === 'AEAD_AES_128_GCM' ? { key: 16, salt: 12 } : { key: 16, salt: 14 };
}

export interface SrtpMasterKeys {
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
}

/** Session keys as the KDF yields them (RFC 3711 §4.3); `authKey` only for AES_CM_128_HMAC_SHA1_80. */
export interface SrtpSessionKeys {
  readonly cipherKey: Buffer;
  readonly cipherSalt: Buffer;
  readonly authKey?: Buffer;
}

/** What unprotect() returns instead of a length. */
export const SRTP_ERRORS = { MALFORMED: -1, AUTH: -2, REPLAY: -3 } as const;
export type SrtpErrorCode = (typeof SRTP_ERRORS)[keyof typeof SRTP_ERRORS];

export interface SrtpStreamDump {
  ssrc: number;
  rolloverCounter: number;
  /** Highest sequence number sent or authenticated. */
  sequenceNumber: number;
}

export interface SrtpContextDump {
  profile: SrtpProfileName;
  sent: SrtpStreamDump[];
  received: SrtpStreamDump[];
}

const KDF_LABEL_CIPHER_KEY = 0x00;
const KDF_LABEL_AUTH_KEY = 0x01;
const KDF_LABEL_SALT = 0x02;
const CM_TAG_BYTES = 10;
const GCM_TAG_BYTES = 16;
const HMAC_SHA1_KEY_BYTES = 20;
const REPLAY_WINDOW = 64;
const SEQ_MEDIAN = 0x8000;
const SEQ_RANGE = 0x10000;
/** Counter blocks for a 1536-byte payload; a larger packet grows the scratch buffer once. */
const INITIAL_BLOCKS = 96;
const GCM_OPTIONS = { authTagLength: GCM_TAG_BYTES } as const;
/** Below this many bytes the three Int32Array views cost more than XOR by words saves (measured: ~400 B break-even). */
const WORD_XOR_MIN_BYTES = 512;

/**
 * RFC 3711 §4.3.1/§4.3.3 key derivation with key_derivation_rate 0: AES-CM keystream under the master
 * key from IV = (master salt XOR label at octet 7) · 2^16. A 12-byte (RFC 7714) master salt is
 * right-padded with zeros to the 112 bits the PRF takes, as libsrtp and werift do.
 */
export function srtpKdf(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const blocks = Math.ceil(length / 16);
  const input = Buffer.alloc(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const at = b * 16;
    masterSalt.copy(input, at, 0, Math.min(14, masterSalt.length));
    input[at + 7] = input[at + 7]! ^ label;
    input[at + 14] = b >>> 8;
    input[at + 15] = b & 0xff;
  }
  const ecb = createCipheriv('aes-128-ecb', masterKey, null);
  ecb.setAutoPadding(false);
  return ecb.update(input).subarray(0, length);
}

/** The SRTP session keys for one direction (RFC 3711 §4.3; salt length per RFC 7714 §11 for GCM). */
export function deriveSrtpSessionKeys(profile: SrtpProfileName, keys: SrtpMasterKeys): SrtpSessionKeys {
  const lengths = srtpKeyLengths(profile);
  if (keys.masterKey.length !== lengths.key || keys.masterSalt.length !== lengths.salt) {
    throw new GwsimError(
      'GWSIM_ERR_INVALID_ARGUMENT',
      `${profile} takes a ${lengths.key}-byte master key and a ${lengths.salt}-byte master salt, got ${keys.masterKey.length} and ${keys.masterSalt.length}`,
    );
  }
  const cipherKey = srtpKdf(keys.masterKey, keys.masterSalt, KDF_LABEL_CIPHER_KEY, lengths.key);
  const cipherSalt = srtpKdf(keys.masterKey, keys.masterSalt, KDF_LABEL_SALT, lengths.salt);
  if (profile === 'AEAD_AES_128_GCM') return { cipherKey, cipherSalt };
  return { cipherKey, cipherSalt, authKey: srtpKdf(keys.masterKey, keys.masterSalt, KDF_LABEL_AUTH_KEY, HMAC_SHA1_KEY_BYTES) };
}

/**
 * RFC 7714 §8.1/§9.1: IV = (00 00 ‖ SSRC ‖ 48-bit packet index) XOR salt, into `iv` — for SRTP the index is
 * ROC ‖ SEQ, for SRTCP 00 00 ‖ SRTCP index.
 */
export function writeGcmIv(iv: Buffer, salt: Buffer, ssrc: number, index: number): Buffer {
  const high = Math.floor(index / 0x100000000);
  const low = index >>> 0;
  iv[0] = salt[0]!;
  iv[1] = salt[1]!;
  iv[2] = salt[2]! ^ (ssrc >>> 24);
  iv[3] = salt[3]! ^ ((ssrc >>> 16) & 0xff);
  iv[4] = salt[4]! ^ ((ssrc >>> 8) & 0xff);
  iv[5] = salt[5]! ^ (ssrc & 0xff);
  iv[6] = salt[6]! ^ ((high >>> 8) & 0xff);
  iv[7] = salt[7]! ^ (high & 0xff);
  iv[8] = salt[8]! ^ (low >>> 24);
  iv[9] = salt[9]! ^ ((low >>> 16) & 0xff);
  iv[10] = salt[10]! ^ ((low >>> 8) & 0xff);
  iv[11] = salt[11]! ^ (low & 0xff);
  return iv;
}

/** Length of the RTP header (fixed part, CSRCs, header extension) within the first `limit` bytes, or -1. */
function rtpHeaderLength(buf: Buffer, limit: number): number {
  if (limit < 12 || (buf[0]! & 0xc0) !== 0x80) return -1;
  let n = 12 + (buf[0]! & 0x0f) * 4;
  // An extension header cut short still makes n > limit: bytes past the buffer read as undefined, i.e. 0.
  if ((buf[0]! & 0x10) !== 0) n += 4 + ((buf[n + 2]! << 8) | buf[n + 3]!) * 4;
  return n <= limit ? n : -1;
}

/**
 * RFC 3711 §3.3.1: the index of `seq` from the highest index seen so far. A guess of ROC − 1 while the
 * counter is still 0 is taken as ROC 0 (as libsrtp does): there is no packet before the first.
 */
function estimateIndex(highest: number, seq: number): number {
  const roc = Math.floor(highest / SEQ_RANGE);
  const last = highest - roc * SEQ_RANGE;
  let v = roc;
  if (last < SEQ_MEDIAN) {
    if (seq - last > SEQ_MEDIAN && roc > 0) v = roc - 1;
  } else if (last - SEQ_MEDIAN > seq) {
    v = roc + 1;
  }
  return v * SEQ_RANGE + seq;
}

class SentStream {
  constructor(public index: number) {}
}

/** Highest authenticated index and a 64-bit bitmap of the indexes below it (bit k: index − k seen), in two words. */
export class ReceivedStream {
  lo = 1;
  hi = 0;
  constructor(public index: number) {}

  seen(back: number): boolean {
    return (back < 32 ? (this.lo >>> back) & 1 : (this.hi >>> (back - 32)) & 1) === 1;
  }

  accept(index: number): void {
    const ahead = index - this.index;
    if (ahead <= 0) {
      const back = -ahead;
      if (back < 32) this.lo |= 1 << back;
      else this.hi |= 1 << (back - 32);
      return;
    }
    if (ahead >= REPLAY_WINDOW) {
      this.hi = 0;
      this.lo = 0;
    } else if (ahead >= 32) {
      this.hi = this.lo << (ahead - 32);
      this.lo = 0;
    } else {
      this.hi = (this.hi << ahead) | (this.lo >>> (32 - ahead));
      this.lo <<= ahead;
    }
    this.lo |= 1;
    this.index = index;
  }
}

/** dst[dstAt..+n] = src[srcAt..+n] XOR ks[0..n], by 32-bit words where all three are 4-byte aligned. */
function xorKeystream(dst: Buffer, dstAt: number, src: Buffer, srcAt: number, ks: Buffer, n: number): void {
  let i = 0;
  const dstOffset = dst.byteOffset + dstAt;
  const srcOffset = src.byteOffset + srcAt;
  if (n >= WORD_XOR_MIN_BYTES && ((dstOffset | srcOffset | ks.byteOffset) & 3) === 0) {
    const words = n >>> 2;
    const d = new Int32Array(dst.buffer, dstOffset, words);
    const s = dst.buffer === src.buffer && dstOffset === srcOffset ? d : new Int32Array(src.buffer, srcOffset, words);
    const k = new Int32Array(ks.buffer, ks.byteOffset, words);
    for (let w = 0; w < words; w++) d[w] = s[w]! ^ k[w]!;
    i = words << 2;
  }
  for (; i < n; i++) dst[dstAt + i] = src[srcAt + i]! ^ ks[i]!;
}

/** One direction of one SRTP session (one master key), any number of SSRCs (per-SSRC rollover counter and replay window). */
export class SrtpContext {
  readonly profile: SrtpProfileName;
  /** Bytes protect() adds (16 for GCM, 10 for CM_80). */
  readonly overhead: number;
  /** Whether GCM runs on the addon's reusable OpenSSL context (false: node:crypto, or the CM profile). */
  get nativeCipher(): boolean {
    return this.gcmNative !== null;
  }

  private readonly gcm: boolean;
  /** GCM with the addon: its reusable OpenSSL context for this key (null: node:crypto per packet). */
  private readonly gcmNative: object | null;
  private readonly cipherKey: KeyObject;
  private readonly salt: Buffer;
  private readonly authKey: Buffer;
  private readonly sent = new Map<number, SentStream>();
  private readonly received = new Map<number, ReceivedStream>();
  /** GCM: the per-packet IV, copied by createCipheriv. */
  private readonly iv = Buffer.alloc(12);
  /** CM: unprotect keeps the received tag here while the ROC borrows its first 4 bytes. */
  private readonly savedTag = Buffer.alloc(CM_TAG_BYTES);
  private readonly ecb: Cipher | undefined;
  private counters = Buffer.alloc(0);
  private counterWords = new Int32Array(0);
  /** Word 3 of block b holds the block counter in its last two bytes; these are those bytes alone, as a word. */
  private blockWords = new Int32Array(0);
  /** counters.subarray(0, 16·n) at index n, made once per n. */
  private counterViews: Buffer[] = [];
  /** A word whose first two bytes are set: keeps SEQ XOR salt in word 3 and clears its block counter, whatever the endianness. */
  private readonly seqMask: number;

  /**
   * `keys` are the DTLS-SRTP master key and salt for this direction; session keys (RFC 7714 §16's vectors,
   * SDES-style callers that derived them already) are taken as they are.
   */
  constructor(profile: SrtpProfileName, keys: SrtpMasterKeys | SrtpSessionKeys) {
    if (profile !== 'AEAD_AES_128_GCM' && profile !== 'AES_CM_128_HMAC_SHA1_80') {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `unknown SRTP profile ${String(profile)}`);
    }
    const session = 'masterKey' in keys ? deriveSrtpSessionKeys(profile, keys) : keys;
    const lengths = srtpKeyLengths(profile);
    this.profile = profile;
    this.gcm = profile === 'AEAD_AES_128_GCM';
    this.overhead = this.gcm ? GCM_TAG_BYTES : CM_TAG_BYTES;
    if (session.cipherKey.length !== lengths.key || session.cipherSalt.length !== lengths.salt || (!this.gcm && session.authKey?.length !== HMAC_SHA1_KEY_BYTES)) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `${profile} session keys must be ${lengths.key}/${lengths.salt} bytes${this.gcm ? '' : ' with a 20-byte auth key'}`);
    }
    this.cipherKey = createSecretKey(Buffer.from(session.cipherKey));
    this.gcmNative = this.gcm && fastpath.addon !== null ? fastpath.addon.gcmKey(new Uint8Array(session.cipherKey)) : null;
    this.salt = Buffer.from(session.cipherSalt);
    this.authKey = Buffer.from(session.authKey ?? Buffer.alloc(0));
    this.seqMask = new Int32Array(new Uint8Array([0xff, 0xff, 0, 0]).buffer)[0]!;
    if (!this.gcm) {
      this.ecb = createCipheriv('aes-128-ecb', this.cipherKey, null);
      this.ecb.setAutoPadding(false);
      this.growCounters(INITIAL_BLOCKS);
    }
  }

  /**
   * Protect one RTP packet (header + payload, `length` bytes of `rtp`, default all): a new Buffer of
   * length + overhead. The input is not modified. Rollover counter per SSRC from the sequence numbers
   * sent (RFC 3711 §3.3.1, sender side), estimated like a receiver would: a resent or late packet gets
   * the ROC it had and does not move the counter back.
   */
  protect(rtp: Buffer, length = rtp.length): Buffer {
    const headerLength = this.checkedHeaderLength(rtp, length);
    const seq = (rtp[2]! << 8) | rtp[3]!;
    const ssrc = rtp.readUInt32BE(8);
    const roc = this.sentRoc(ssrc, seq);
    const out = Buffer.allocUnsafe(length + this.overhead);
    if (this.gcmNative !== null) {
      rtp.copy(out, 0, 0, length);
      fastpath.addon!.gcmSeal(this.gcmNative, out, headerLength, length, this.gcmIv(ssrc, roc, seq));
      return out;
    }
    if (this.gcm) {
      rtp.copy(out, 0, 0, headerLength);
      const cipher = createCipheriv('aes-128-gcm', this.cipherKey, this.gcmIv(ssrc, roc, seq), GCM_OPTIONS);
      cipher.setAAD(out.subarray(0, headerLength));
      if (length > headerLength) cipher.update(rtp.subarray(headerLength, length)).copy(out, headerLength);
      cipher.final();
      cipher.getAuthTag().copy(out, length);
      return out;
    }
    rtp.copy(out, 0, 0, headerLength);
    const payloadLength = length - headerLength;
    if (payloadLength > 0) xorKeystream(out, headerLength, rtp, headerLength, this.cmKeystream(ssrc, roc, seq, payloadLength), payloadLength);
    writeUint32(out, length, roc);
    createHmac('sha1', this.authKey).update(out.subarray(0, length + 4)).digest().copy(out, length, 0, CM_TAG_BYTES);
    return out;
  }

  /**
   * `protect` into the packet's own buffer, which must have `overhead` bytes to spare after `length`; returns the
   * SRTP length. Nothing is allocated with the addon's GCM (the forwarding path); otherwise it is protect + copy.
   */
  protectInPlace(rtp: Buffer, length: number): number {
    if (rtp.length < length + this.overhead) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `SRTP protectInPlace: ${length} bytes + ${this.overhead} of tag do not fit a ${rtp.length}-byte buffer`);
    }
    if (this.gcmNative === null) {
      const out = this.protect(rtp, length);
      out.copy(rtp, 0);
      return out.length;
    }
    const headerLength = this.checkedHeaderLength(rtp, length);
    const seq = (rtp[2]! << 8) | rtp[3]!;
    const ssrc = rtp.readUInt32BE(8);
    fastpath.addon!.gcmSeal(this.gcmNative, rtp, headerLength, length, this.gcmIv(ssrc, this.sentRoc(ssrc, seq), seq));
    return length + GCM_TAG_BYTES;
  }

  private checkedHeaderLength(rtp: Buffer, length: number): number {
    const headerLength = length <= rtp.length ? rtpHeaderLength(rtp, length) : -1;
    if (headerLength < 0) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `SRTP protect: not an RTP v2 packet of ${length} bytes (buffer ${rtp.length})`);
    }
    return headerLength;
  }

  /** The ROC of a packet being sent, moving the stream's highest index forward (never back). */
  private sentRoc(ssrc: number, seq: number): number {
    const stream = this.sent.get(ssrc);
    if (stream === undefined) {
      this.sent.set(ssrc, new SentStream(seq));
      return 0;
    }
    const index = estimateIndex(stream.index, seq);
    if (index > stream.index) stream.index = index;
    return Math.floor(index / SEQ_RANGE);
  }

  /**
   * Unprotect in place: authenticates, decrypts the payload in `srtp` and returns the RTP length
   * (srtp.length − overhead), or a negative SRTP_ERRORS code (auth failure, replay, too short/malformed)
   * with neither the context nor `srtp` changed. Index estimation per RFC 3711 §3.3.1 and a 64-packet
   * replay window (§3.3.2); state advances only after authentication. A new SSRC starts at ROC 0 with its
   * first authenticated packet. RTP padding is left in the payload.
   */
  unprotect(srtp: Buffer): number {
    const length = srtp.length - this.overhead;
    const headerLength = rtpHeaderLength(srtp, length);
    if (headerLength < 0) return SRTP_ERRORS.MALFORMED;
    const seq = (srtp[2]! << 8) | srtp[3]!;
    const ssrc = srtp.readUInt32BE(8);
    const stream = this.received.get(ssrc);
    let index = seq;
    if (stream !== undefined) {
      index = estimateIndex(stream.index, seq);
      const back = stream.index - index;
      if (back >= REPLAY_WINDOW || (back >= 0 && stream.seen(back))) return SRTP_ERRORS.REPLAY;
    }
    const roc = Math.floor(index / SEQ_RANGE);
    if (this.gcmNative !== null) {
      if (!fastpath.addon!.gcmOpen(this.gcmNative, srtp, headerLength, length, this.gcmIv(ssrc, roc, seq))) return SRTP_ERRORS.AUTH;
    } else if (this.gcm) {
      const decipher = createDecipheriv('aes-128-gcm', this.cipherKey, this.gcmIv(ssrc, roc, seq), GCM_OPTIONS);
      decipher.setAuthTag(srtp.subarray(length));
      decipher.setAAD(srtp.subarray(0, headerLength));
      const plain = length > headerLength ? decipher.update(srtp.subarray(headerLength, length)) : undefined;
      try {
        decipher.final();
      } catch {
        return SRTP_ERRORS.AUTH;
      }
      plain?.copy(srtp, headerLength);
    } else {
      if (!this.cmAuthentic(srtp, length, roc)) return SRTP_ERRORS.AUTH;
      const payloadLength = length - headerLength;
      if (payloadLength > 0) xorKeystream(srtp, headerLength, srtp, headerLength, this.cmKeystream(ssrc, roc, seq, payloadLength), payloadLength);
    }
    if (stream === undefined) this.received.set(ssrc, new ReceivedStream(index));
    else stream.accept(index);
    return length;
  }

  dump(): SrtpContextDump {
    const streams = (map: Map<number, { index: number }>): SrtpStreamDump[] =>
      [...map].map(([ssrc, s]) => ({ ssrc, rolloverCounter: Math.floor(s.index / SEQ_RANGE), sequenceNumber: s.index % SEQ_RANGE }));
    return { profile: this.profile, sent: streams(this.sent), received: streams(this.received) };
  }

  /** RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt. */
  private gcmIv(ssrc: number, roc: number, seq: number): Buffer {
    return writeGcmIv(this.iv, this.salt, ssrc, roc * SEQ_RANGE + seq);
  }

  /**
   * RFC 3711 §4.1.1: keystream for `bytes` bytes from IV = (salt·2^16) XOR (SSRC·2^64) XOR (index·2^16),
   * block counter in the last two bytes. The first block is written byte by byte, the others copy its
   * words and OR in their precomputed counter word.
   */
  private cmKeystream(ssrc: number, roc: number, seq: number, bytes: number): Buffer {
    const blocks = (bytes + 15) >>> 4;
    if (blocks > this.blockWords.length) this.growCounters(blocks);
    const c = this.counters;
    const salt = this.salt;
    c[4] = salt[4]! ^ (ssrc >>> 24);
    c[5] = salt[5]! ^ ((ssrc >>> 16) & 0xff);
    c[6] = salt[6]! ^ ((ssrc >>> 8) & 0xff);
    c[7] = salt[7]! ^ (ssrc & 0xff);
    c[8] = salt[8]! ^ (roc >>> 24);
    c[9] = salt[9]! ^ ((roc >>> 16) & 0xff);
    c[10] = salt[10]! ^ ((roc >>> 8) & 0xff);
    c[11] = salt[11]! ^ (roc & 0xff);
    c[12] = salt[12]! ^ (seq >>> 8);
    c[13] = salt[13]! ^ (seq & 0xff);
    const words = this.counterWords;
    const w1 = words[1]!;
    const w2 = words[2]!;
    const w3 = words[3]! & this.seqMask;
    const blockWords = this.blockWords;
    for (let b = 1, at = 4; b < blocks; b++, at += 4) {
      words[at + 1] = w1;
      words[at + 2] = w2;
      words[at + 3] = w3 | blockWords[b]!;
    }
    return this.ecb!.update(this.counterViews[blocks]!);
  }

  private growCounters(blocks: number): void {
    const counters = Buffer.alloc(blocks * 16);
    this.counters = counters;
    this.counterWords = new Int32Array(counters.buffer, counters.byteOffset, blocks * 4);
    this.blockWords = new Int32Array(blocks);
    this.counterViews = [];
    for (let b = 0; b < blocks; b++) {
      const at = b * 16;
      this.salt.copy(counters, at, 0, 4);
      counters[at + 14] = b >>> 8;
      counters[at + 15] = b & 0xff;
      this.blockWords[b] = this.counterWords[b * 4 + 3]!;
      this.counterViews[b + 1] = counters.subarray(0, at + 16);
    }
  }

  /**
   * RFC 3711 §4.2: tag = HMAC-SHA1(auth key, packet ‖ ROC)[0..10]. The ROC is written over the start of the
   * received tag so HMAC gets one contiguous input; the tag bytes are put back before returning.
   */
  private cmAuthentic(srtp: Buffer, length: number, roc: number): boolean {
    const saved = this.savedTag;
    srtp.copy(saved, 0, length, length + CM_TAG_BYTES);
    writeUint32(srtp, length, roc);
    const expected = createHmac('sha1', this.authKey).update(srtp.subarray(0, length + 4)).digest();
    saved.copy(srtp, length, 0, 4);
    let diff = 0;
    for (let i = 0; i < CM_TAG_BYTES; i++) diff |= expected[i]! ^ saved[i]!;
    return diff === 0;
  }
}

function writeUint32(buf: Buffer, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}
