/**
 * RTCP packets (RFC 3550 §6.4–6.6): sender report (SR), receiver report (RR) with report blocks, source
 * description (SDES) and goodbye (BYE); other packet types (APP, RTPFB, PSFB, XR, …) are kept as raw bodies
 * so a compound packet survives parse → serialize. Compound packets (§6.1) parse into a list; every error is
 * an RtcpParseError (code GWSIM_ERR_PARSE) naming the byte offset. `isRtcpPacket` is the RFC 5761 §4
 * demultiplexer for RTP and RTCP on one port (rtcp-mux).
 */
import { GwsimError } from '@gwsim/common';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** SDES item types (RFC 3550 §6.5). */
export const SDES_CNAME = 1;
export const SDES_NAME = 2;

/** RFC 3550 §6.4.1 report block: what a receiver says about one source. */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (8 bits). */
  fractionLost: number;
  /** Cumulative number of packets lost (24-bit signed: late duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source (0: none). */
  lsr: number;
  /** Delay since that SR, in units of 1/65536 s. */
  dlsr: number;
}

export interface SenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp, seconds since 1900 (most significant word) and fraction (least significant word). */
  ntpMsw: number;
  ntpLsw: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
  /** Profile-specific extension after the report blocks (rarely present). */
  extension?: Buffer;
}

export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
  extension?: Buffer;
}

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV. */
  type: number;
  /** UTF-8 text, at most 255 bytes. */
  value: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export interface SourceDescription {
  type: 'sdes';
  chunks: SdesChunk[];
}

export interface Goodbye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

/** Any other packet type, kept as the 5-bit count field and the body after the 4-byte header. */
export interface OtherRtcp {
  type: 'other';
  packetType: number;
  count: number;
  body: Buffer;
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRtcp;

export class RtcpParseError extends GwsimError {
  /** Byte offset in the datagram where the problem was found. */
  readonly offset: number;

  constructor(offset: number, message: string) {
    super('GWSIM_ERR_PARSE', `RTCP at byte ${offset}: ${message}`);
    this.name = 'RtcpParseError';
    this.offset = offset;
  }
}

/**
 * RFC 5761 §4: with rtcp-mux, RTCP packet types 200–207 would read as RTP payload types 72–79 (marker set);
 * RTP must not use payload types 64–95 on a muxed port, so a version-2 datagram whose second byte (marker
 * masked) is in 64–95 is RTCP. Allocation-free.
 */
export function isRtcpPacket(buf: Buffer): boolean {
  if (buf.length < 8 || buf[0]! >> 6 !== 2) return false;
  const pt = buf[1]! & 0x7f;
  return pt >= 64 && pt <= 95;
}

const BLOCK_BYTES = 24;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function readBlock(buf: Buffer, at: number): ReportBlock {
  const lost = buf.readUIntBE(at + 5, 3);
  return {
    ssrc: buf.readUInt32BE(at),
    fractionLost: buf[at + 4]!,
    cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
    highestSeq: buf.readUInt32BE(at + 8),
    jitter: buf.readUInt32BE(at + 12),
    lsr: buf.readUInt32BE(at + 16),
    dlsr: buf.readUInt32BE(at + 20),
  };
}

function readReports(buf: Buffer, start: number, end: number, count: number): { reports: ReportBlock[]; extension?: Buffer } {
  if (start + count * BLOCK_BYTES > end) throw new RtcpParseError(start, `${count} report blocks do not fit in the packet`);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(readBlock(buf, start + i * BLOCK_BYTES));
  const after = start + count * BLOCK_BYTES;
  return after < end ? { reports, extension: Buffer.from(buf.subarray(after, end)) } : { reports };
}

function readText(buf: Buffer, at: number, length: number): string {
  try {
    return utf8.decode(buf.subarray(at, at + length));
  } catch {
    throw new RtcpParseError(at, 'text is not valid UTF-8 (RFC 3550 §6.5)');
  }
}

function readSdes(buf: Buffer, start: number, end: number, count: number): SourceDescription {
  const chunks: SdesChunk[] = [];
  let at = start;
  for (let c = 0; c < count; c++) {
    if (at + 4 > end) throw new RtcpParseError(at, `SDES chunk ${c + 1} of ${count} is missing`);
    const chunk: SdesChunk = { ssrc: buf.readUInt32BE(at), items: [] };
    at += 4;
    for (;;) {
      if (at >= end) throw new RtcpParseError(at, 'SDES chunk has no terminating null item');
      const type = buf[at]!;
      if (type === 0) break;
      if (at + 2 > end || at + 2 + buf[at + 1]! > end) throw new RtcpParseError(at, 'SDES item runs past the packet');
      const length = buf[at + 1]!;
      chunk.items.push({ type, value: readText(buf, at + 2, length) });
      at += 2 + length;
    }
    at = (at + 4) & ~3; // the null item and padding up to the next 32-bit boundary
    if (at > end) throw new RtcpParseError(end, 'SDES chunk padding runs past the packet');
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

function readBye(buf: Buffer, start: number, end: number, count: number): Goodbye {
  if (start + count * 4 > end) throw new RtcpParseError(start, `${count} BYE sources do not fit in the packet`);
  const bye: Goodbye = { type: 'bye', ssrcs: [] };
  for (let i = 0; i < count; i++) bye.ssrcs.push(buf.readUInt32BE(start + i * 4));
  const at = start + count * 4;
  if (at < end) {
    const length = buf[at]!;
    if (at + 1 + length > end) throw new RtcpParseError(at, 'BYE reason runs past the packet');
    bye.reason = readText(buf, at + 1, length);
  }
  return bye;
}

/**
 * Parse a (compound) RTCP datagram. RFC 3550 §6.1/A.2 checks: version 2, lengths that add up exactly,
 * padding only in the last packet; with `strict`, the first packet must also be an SR or RR (RFC 5506
 * reduced-size RTCP is allowed otherwise).
 */
export function parseRtcp(buf: Buffer, options: { strict?: boolean } = {}): RtcpPacket[] {
  const packets: RtcpPacket[] = [];
  let at = 0;
  if (buf.length < 4) throw new RtcpParseError(0, `a packet needs at least 4 bytes, got ${buf.length}`);
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new RtcpParseError(at, 'trailing bytes shorter than an RTCP header');
    const b0 = buf[at]!;
    if (b0 >> 6 !== 2) throw new RtcpParseError(at, `version ${b0 >> 6}, expected 2`);
    const count = b0 & 0x1f;
    const packetType = buf[at + 1]!;
    let end = at + (buf.readUInt16BE(at + 2) + 1) * 4;
    if (end > buf.length) throw new RtcpParseError(at, `length field says ${end - at} bytes but ${buf.length - at} remain`);
    if (b0 & 0x20) {
      if (end !== buf.length) throw new RtcpParseError(at, 'padding is only allowed in the last packet of a compound packet');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > end - at - 4) throw new RtcpParseError(end - 1, `padding count ${pad} is not within the packet`);
      end -= pad;
    }
    const body = at + 4;
    if (packets.length === 0 && options.strict && packetType !== RTCP_SR && packetType !== RTCP_RR) {
      throw new RtcpParseError(at, `a compound packet must start with an SR or RR, got packet type ${packetType}`);
    }
    if (packetType === RTCP_SR) {
      if (body + 24 > end) throw new RtcpParseError(at, 'SR shorter than its sender info');
      packets.push({
        type: 'sr',
        ssrc: buf.readUInt32BE(body),
        ntpMsw: buf.readUInt32BE(body + 4),
        ntpLsw: buf.readUInt32BE(body + 8),
        rtpTimestamp: buf.readUInt32BE(body + 12),
        packetCount: buf.readUInt32BE(body + 16),
        octetCount: buf.readUInt32BE(body + 20),
        ...readReports(buf, body + 24, end, count),
      });
    } else if (packetType === RTCP_RR) {
      if (body + 4 > end) throw new RtcpParseError(at, 'RR without its SSRC');
      packets.push({ type: 'rr', ssrc: buf.readUInt32BE(body), ...readReports(buf, body + 4, end, count) });
    } else if (packetType === RTCP_SDES) {
      packets.push(readSdes(buf, body, end, count));
    } else if (packetType === RTCP_BYE) {
      packets.push(readBye(buf, body, end, count));
    } else {
      packets.push({ type: 'other', packetType, count, body: Buffer.from(buf.subarray(body, end)) });
    }
    at += (buf.readUInt16BE(at + 2) + 1) * 4;
  }
  return packets;
}

function invalid(path: string, message: string): GwsimError {
  return new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `${path}: ${message}`);
}

function uint(value: number, bits: number, path: string): number {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalid(path, `must be an integer from 0 to ${max}, got ${value}`);
  return value;
}

function textBytes(value: string, path: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 255) throw invalid(path, `must be at most 255 bytes of UTF-8, got ${bytes.length}`);
  return bytes;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Body bytes after the 4-byte header, before padding (only SR/RR extensions and other bodies can be unaligned). */
function bodyLength(p: RtcpPacket, path: string): number {
  switch (p.type) {
    case 'sr':
      return 24 + p.reports.length * BLOCK_BYTES + (p.extension?.length ?? 0);
    case 'rr':
      return 4 + p.reports.length * BLOCK_BYTES + (p.extension?.length ?? 0);
    case 'sdes':
      return p.chunks.reduce((n, c, i) => n + pad4(4 + c.items.reduce((m, it, j) => m + 2 + textBytes(it.value, `${path}.chunks[${i}].items[${j}].value`).length, 0) + 1), 0);
    case 'bye':
      return p.ssrcs.length * 4 + (p.reason === undefined ? 0 : pad4(1 + textBytes(p.reason, `${path}.reason`).length));
    case 'other':
      return p.body.length;
  }
}

/** Packet length on the wire; an unaligned body gets RFC 3550 padding (P bit), allowed only in the last packet. */
function packetLength(p: RtcpPacket, path: string, last: boolean): number {
  const raw = 4 + bodyLength(p, path);
  if (raw % 4 !== 0 && !last) throw invalid(path, 'a body that is not a multiple of 4 bytes needs padding, which only the last packet may carry');
  return pad4(raw);
}

function countOf(p: RtcpPacket): number {
  return p.type === 'sr' || p.type === 'rr' ? p.reports.length : p.type === 'sdes' ? p.chunks.length : p.type === 'bye' ? p.ssrcs.length : p.count;
}

const TYPE_CODE = { sr: RTCP_SR, rr: RTCP_RR, sdes: RTCP_SDES, bye: RTCP_BYE } as const;

/** Bytes `serializeRtcp(packets)` will produce (validates every field on the way). */
export function rtcpLength(packets: readonly RtcpPacket[]): number {
  return packets.reduce((n, p, i) => n + packetLength(p, `packets[${i}]`, i === packets.length - 1), 0);
}

function writeBlocks(buf: Buffer, at: number, reports: readonly ReportBlock[], path: string): number {
  reports.forEach((r, i) => {
    const p = `${path}.reports[${i}]`;
    buf.writeUInt32BE(uint(r.ssrc, 32, `${p}.ssrc`), at);
    buf[at + 4] = uint(r.fractionLost, 8, `${p}.fractionLost`);
    if (!Number.isInteger(r.cumulativeLost) || r.cumulativeLost < -0x800000 || r.cumulativeLost > 0x7fffff) {
      throw invalid(`${p}.cumulativeLost`, `must be an integer from -8388608 to 8388607, got ${r.cumulativeLost}`);
    }
    buf.writeUIntBE(r.cumulativeLost & 0xffffff, at + 5, 3);
    buf.writeUInt32BE(uint(r.highestSeq, 32, `${p}.highestSeq`), at + 8);
    buf.writeUInt32BE(uint(r.jitter, 32, `${p}.jitter`), at + 12);
    buf.writeUInt32BE(uint(r.lsr, 32, `${p}.lsr`), at + 16);
    buf.writeUInt32BE(uint(r.dlsr, 32, `${p}.dlsr`), at + 20);
    at += BLOCK_BYTES;
  });
  return at;
}

/** Write a compound packet into `buf` at `offset`; returns the bytes written. Padding only for an unaligned last body. */
export function writeRtcp(packets: readonly RtcpPacket[], buf: Buffer, offset = 0): number {
  const total = rtcpLength(packets);
  if (offset + total > buf.length) throw invalid('buf', `needs ${total} bytes from offset ${offset}, has ${buf.length - offset}`);
  let at = offset;
  packets.forEach((p, i) => {
    const path = `packets[${i}]`;
    const raw = 4 + bodyLength(p, path);
    const length = packetLength(p, path, i === packets.length - 1);
    const count = countOf(p);
    if (count > 31) throw invalid(path, `at most 31 report blocks, chunks or sources fit in one packet, got ${count}`);
    buf[at] = 0x80 | (length > raw ? 0x20 : 0) | uint(count, 5, `${path}.count`);
    buf[at + 1] = p.type === 'other' ? uint(p.packetType, 8, `${path}.packetType`) : TYPE_CODE[p.type];
    buf.writeUInt16BE(length / 4 - 1, at + 2);
    let w = at + 4;
    if (p.type === 'sr' || p.type === 'rr') {
      buf.writeUInt32BE(uint(p.ssrc, 32, `${path}.ssrc`), w);
      w += 4;
      if (p.type === 'sr') {
        buf.writeUInt32BE(uint(p.ntpMsw, 32, `${path}.ntpMsw`), w);
        buf.writeUInt32BE(uint(p.ntpLsw, 32, `${path}.ntpLsw`), w + 4);
        buf.writeUInt32BE(uint(p.rtpTimestamp, 32, `${path}.rtpTimestamp`), w + 8);
        buf.writeUInt32BE(uint(p.packetCount, 32, `${path}.packetCount`), w + 12);
        buf.writeUInt32BE(uint(p.octetCount, 32, `${path}.octetCount`), w + 16);
        w += 20;
      }
      w = writeBlocks(buf, w, p.reports, path);
      if (p.extension) w += p.extension.copy(buf, w);
    } else if (p.type === 'sdes') {
      for (const [ci, chunk] of p.chunks.entries()) {
        const start = w;
        buf.writeUInt32BE(uint(chunk.ssrc, 32, `${path}.chunks[${ci}].ssrc`), w);
        w += 4;
        for (const [ii, item] of chunk.items.entries()) {
          const bytes = textBytes(item.value, `${path}.chunks[${ci}].items[${ii}].value`);
          const type = uint(item.type, 8, `${path}.chunks[${ci}].items[${ii}].type`);
          if (type === 0) throw invalid(`${path}.chunks[${ci}].items[${ii}].type`, 'must be 1-255 (0 ends the item list)');
          buf[w] = type;
          buf[w + 1] = bytes.length;
          w += 2 + bytes.copy(buf, w + 2);
        }
        const end = start + pad4(w - start + 1);
        buf.fill(0, w, end);
        w = end;
      }
    } else if (p.type === 'bye') {
      p.ssrcs.forEach((s, si) => buf.writeUInt32BE(uint(s, 32, `${path}.ssrcs[${si}]`), w + si * 4));
      w += p.ssrcs.length * 4;
      if (p.reason !== undefined) {
        const bytes = textBytes(p.reason, `${path}.reason`);
        const end = w + pad4(1 + bytes.length);
        buf[w] = bytes.length;
        bytes.copy(buf, w + 1);
        buf.fill(0, w + 1 + bytes.length, end);
        w = end;
      }
    } else {
      w += p.body.copy(buf, w);
    }
    if (length > raw) {
      buf.fill(0, w, at + length - 1);
      buf[at + length - 1] = length - raw;
    }
    at += length;
  });
  return at - offset;
}

/** Serialize a compound packet into a new Buffer. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  const buf = Buffer.alloc(rtcpLength(packets));
  writeRtcp(packets, buf, 0);
  return buf;
}
