/**
 * DNS message codec (RFC 1035 §4.1), strict on input: every length and pointer is bounds-checked and any
 * fault throws DnsParseError, so the server can answer FORMERR instead of crashing. Names in decoded
 * messages keep their case and use master-file escapes (`\.`, `\\`, `\DDD`, RFC 1035 §5.1) for odd bytes.
 */
import { GwsimError } from '@gwsim/common';
import { DnsParseError } from './dns-error.ts';
import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from './ip.ts';
import { canonicalName, RR_CLASS, RR_TYPE, type OptRecord, type RawRecord, type WireRecord, type ZoneRecord } from './rr.ts';

export const HEADER_LENGTH = 12;
const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;

/** RFC 1035 §4.1.2. */
export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

/** A whole message. `rcode` is the full 12-bit value (header nibble merged with the OPT high byte, RFC 6891 §6.1.3). */
export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: WireRecord[];
  authorities: WireRecord[];
  additionals: WireRecord[];
}

/** The fixed 12-byte header (RFC 1035 §4.1.1), readable even when the rest of the message is not. */
export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  rd: boolean;
  cd: boolean;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** An empty message with every flag clear; spread it and override what you need. */
export function emptyMessage(id = 0): DnsMessage {
  return { id, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0, questions: [], answers: [], authorities: [], additionals: [] };
}

/** Read the header only; undefined when fewer than 12 bytes arrived. */
export function peekHeader(buf: Uint8Array): DnsHeader | undefined {
  if (buf.length < HEADER_LENGTH) return undefined;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const flags = b.readUInt16BE(2);
  return {
    id: b.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rd: (flags & 0x0100) !== 0,
    cd: (flags & 0x0010) !== 0,
    qdcount: b.readUInt16BE(4),
    ancount: b.readUInt16BE(6),
    nscount: b.readUInt16BE(8),
    arcount: b.readUInt16BE(10),
  };
}

// ─── decoding ────────────────────────────────────────────────────────────────

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new DnsParseError(`${what} runs past the end of the message (offset ${this.pos})`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** RFC 1035 §3.3 <character-string>: length byte + bytes, as a latin1 (byte) string. */
  charString(what: string): string {
    return this.bytes(this.u8(what), what).toString('latin1');
  }
  /** RFC 1035 §4.1.4: labels and compression pointers; every pointer must point before the segment it leaves. */
  name(what: string): string {
    const labels: string[] = [];
    let pos = this.pos;
    let segmentStart = pos;
    let resume = -1;
    let wire = 1;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsParseError(`${what}: name runs past the end of the message`);
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsParseError(`${what}: truncated compression pointer`);
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        // Each jump must land before the segment it leaves, so pointers strictly decrease and loops are impossible.
        if (target >= segmentStart) throw new DnsParseError(`${what}: compression pointer at ${pos} does not point backwards`);
        if (resume < 0) resume = pos + 2;
        pos = segmentStart = target;
        continue;
      }
      if (len & 0xc0) throw new DnsParseError(`${what}: unsupported label type 0x${len.toString(16)}`);
      if (len === 0) {
        this.pos = resume < 0 ? pos + 1 : resume;
        return labels.join('.');
      }
      wire += len + 1;
      if (wire > MAX_NAME_WIRE) throw new DnsParseError(`${what}: name longer than ${MAX_NAME_WIRE} bytes`);
      if (pos + 1 + len > this.buf.length) throw new DnsParseError(`${what}: label runs past the end of the message`);
      labels.push(escapeLabel(this.buf.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
  }
}

function escapeLabel(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\' + String(b).padStart(3, '0');
  }
  return out;
}

/** Decode a whole message; throws DnsParseError on any fault, including trailing bytes. */
export function decodeMessage(buf: Uint8Array): DnsMessage {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = peekHeader(b);
  if (!header) throw new DnsParseError(`${b.length} bytes is shorter than the ${HEADER_LENGTH}-byte header`);
  const r = new Reader(b);
  r.pos = HEADER_LENGTH;
  const flags = b.readUInt16BE(2);
  const msg: DnsMessage = {
    ...emptyMessage(header.id),
    qr: header.qr,
    opcode: header.opcode,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: header.rd,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: header.cd,
    rcode: flags & 0xf,
  };
  for (let i = 0; i < header.qdcount; i++) {
    msg.questions.push({ name: r.name(`question ${i}`), type: r.u16('question type'), class: r.u16('question class') });
  }
  const sections = [
    [msg.answers, header.ancount, 'answer'],
    [msg.authorities, header.nscount, 'authority'],
    [msg.additionals, header.arcount, 'additional'],
  ] as const;
  for (const [list, count, label] of sections) {
    for (let i = 0; i < count; i++) list.push(decodeRecord(r, `${label} ${i}`));
  }
  if (r.pos !== b.length) throw new DnsParseError(`${b.length - r.pos} trailing bytes after the last record`);
  const opts = msg.additionals.filter((x): x is OptRecord => x.type === 'OPT');
  if (opts.length === 1) msg.rcode |= opts[0]!.extendedRcode << 4;
  return msg;
}

function decodeRecord(r: Reader, what: string): WireRecord {
  const name = r.name(what);
  const type = r.u16(what);
  const cls = r.u16(what);
  const ttl = r.u32(what);
  const rdlength = r.u16(what);
  r.need(rdlength, `${what} RDATA`);
  const end = r.pos + rdlength;
  const rec = decodeRdata(r, what, name, type, cls, ttl, rdlength);
  if (r.pos !== end) throw new DnsParseError(`${what}: RDLENGTH ${rdlength} does not match the RDATA`);
  return rec;
}

function decodeRdata(r: Reader, what: string, name: string, type: number, cls: number, ttl: number, rdlength: number): WireRecord {
  if (type === RR_TYPE.OPT) {
    if (name !== '') throw new DnsParseError(`${what}: OPT owner name must be the root (RFC 6891 §6.1.2)`);
    return {
      name,
      type: 'OPT',
      udpPayloadSize: cls,
      extendedRcode: ttl >>> 24,
      version: (ttl >>> 16) & 0xff,
      dnssecOk: (ttl & 0x8000) !== 0,
      options: Buffer.from(r.bytes(rdlength, what)),
    };
  }
  if (cls !== RR_CLASS.IN) return raw(r, name, type, cls, ttl, rdlength, what);
  const t = Math.min(ttl, 0x7fffffff); // RFC 2181 §8
  switch (type) {
    case RR_TYPE.A:
      if (rdlength !== 4) throw new DnsParseError(`${what}: A RDATA must be 4 bytes`);
      return { name, type: 'A', ttl: t, address: bytesToIpv4(r.bytes(4, what)) };
    case RR_TYPE.AAAA:
      if (rdlength !== 16) throw new DnsParseError(`${what}: AAAA RDATA must be 16 bytes`);
      return { name, type: 'AAAA', ttl: t, address: bytesToIpv6(r.bytes(16, what)) };
    case RR_TYPE.CNAME:
      return { name, type: 'CNAME', ttl: t, target: r.name(what) };
    case RR_TYPE.SRV:
      return { name, type: 'SRV', ttl: t, priority: r.u16(what), weight: r.u16(what), port: r.u16(what), target: r.name(what) };
    case RR_TYPE.TXT: {
      const end = r.pos + rdlength;
      const data: string[] = [];
      while (r.pos < end) data.push(r.charString(what));
      if (data.length === 0) throw new DnsParseError(`${what}: TXT RDATA holds no character-string`);
      return { name, type: 'TXT', ttl: t, data };
    }
    case RR_TYPE.NAPTR:
      return {
        name, type: 'NAPTR', ttl: t,
        order: r.u16(what), preference: r.u16(what),
        flags: r.charString(what), service: r.charString(what), regexp: r.charString(what),
        replacement: r.name(what),
      };
    case RR_TYPE.SOA:
      return {
        name, type: 'SOA', ttl: t, mname: r.name(what), rname: r.name(what),
        serial: r.u32(what), refresh: r.u32(what), retry: r.u32(what), expire: r.u32(what), minimum: r.u32(what),
      };
    default:
      return raw(r, name, type, cls, ttl, rdlength, what);
  }
}

function raw(r: Reader, name: string, type: number, cls: number, ttl: number, rdlength: number, what: string): RawRecord {
  return { name, type, class: cls, ttl, rdata: Buffer.from(r.bytes(rdlength, what)) };
}

// ─── encoding ────────────────────────────────────────────────────────────────

class Writer {
  buf = Buffer.alloc(512);
  pos = 0;
  /** Canonical suffix -> offset, for name compression (RFC 1035 §4.1.4). */
  names = new Map<string, number>();

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  charString(s: string): void {
    const b = Buffer.from(s, 'latin1');
    if (b.length > 255) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `character-string longer than 255 bytes: ${s.slice(0, 40)}…`);
    this.u8(b.length);
    this.bytes(b);
  }
  /** Write a name; `compress` only where RFC 3597 §4 allows it (owner names, CNAME, SOA, NS). */
  name(name: string, compress: boolean): void {
    if (!this.plainName(name, compress)) this.escapedName(name, compress);
  }

  /**
   * Fast path for names of printable ASCII without escapes (every name a zone holds): no per-label buffers,
   * suffix keys sliced from one lower-cased string. Returns false (having written nothing) for other names.
   */
  private plainName(name: string, compress: boolean): boolean {
    const n = name.endsWith('.') ? name.slice(0, -1) : name;
    if (n.length + 2 > MAX_NAME_WIRE) return false;
    for (let i = 0; i < n.length; i++) {
      const c = n.charCodeAt(i);
      if (c <= 0x20 || c >= 0x7f || c === 0x5c) return false;
    }
    if (n === '') {
      this.u8(0);
      return true;
    }
    for (let start = 0, end = n.indexOf('.'); ; end = n.indexOf('.', start)) {
      const stop = end < 0 ? n.length : end;
      if (stop === start || stop - start > MAX_LABEL) return false; // empty or long label: let the slow path say so
      start = stop + 1;
      if (end < 0) break;
    }
    this.ensure(n.length + 2);
    const lower = n.toLowerCase();
    for (let start = 0; start < n.length; ) {
      const suffix = start === 0 ? lower : lower.slice(start);
      const at = this.names.get(suffix);
      if (compress && at !== undefined) {
        this.u16(0xc000 | at);
        return true;
      }
      if (this.pos < 0x4000 && at === undefined) this.names.set(suffix, this.pos);
      let end = n.indexOf('.', start);
      if (end < 0) end = n.length;
      this.buf[this.pos++] = end - start;
      for (let i = start; i < end; i++) this.buf[this.pos++] = n.charCodeAt(i);
      start = end + 1;
    }
    this.u8(0);
    return true;
  }

  private escapedName(name: string, compress: boolean): void {
    const labels = nameToLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).map((l) => escapeLabel(l).toLowerCase()).join('.');
      const at = this.names.get(suffix);
      if (compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos < 0x4000 && !this.names.has(suffix)) this.names.set(suffix, this.pos);
      this.u8(labels[i]!.length);
      this.bytes(labels[i]!);
    }
    this.u8(0);
  }
}

/** Split a presentation-form name into label bytes, undoing `\X` and `\DDD` escapes (RFC 1035 §5.1). */
export function nameToLabels(name: string): Buffer[] {
  const invalid = (why: string) => new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `invalid domain name "${name}": ${why}`);
  if (name === '' || name === '.') return [];
  const labels: Buffer[] = [];
  let cur: number[] = [];
  let total = 1;
  const end = () => {
    if (cur.length === 0) throw invalid('empty label');
    if (cur.length > MAX_LABEL) throw invalid(`label longer than ${MAX_LABEL} bytes`);
    total += cur.length + 1;
    labels.push(Buffer.from(cur));
    cur = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      if (i === name.length - 1) break;
      end();
    } else if (c === 0x5c) {
      const digits = /^\d{3}/.exec(name.slice(i + 1));
      if (digits) {
        const v = Number(digits[0]);
        if (v > 255) throw invalid(`escape \\${digits[0]} is above 255`);
        cur.push(v);
        i += 3;
      } else if (i + 1 < name.length) {
        cur.push(name.charCodeAt(++i) & 0xff);
      } else throw invalid('dangling backslash');
    } else {
      if (c > 0xff) throw invalid('non-latin1 character');
      cur.push(c);
    }
  }
  end();
  if (total > MAX_NAME_WIRE) throw invalid(`longer than ${MAX_NAME_WIRE} bytes on the wire`);
  return labels;
}

/** Encode a message. rcode > 15 needs an OPT record in the additional section (RFC 6891 §6.1.3). */
export function encodeMessage(msg: DnsMessage): Buffer {
  const w = new Writer();
  const opt = msg.additionals.find((x): x is OptRecord => x.type === 'OPT');
  if (msg.rcode > 0xf && !opt) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `rcode ${msg.rcode} needs an OPT record`);
  w.u16(msg.id);
  w.u16(
    (+msg.qr << 15) | ((msg.opcode & 0xf) << 11) | (+msg.aa << 10) | (+msg.tc << 9) | (+msg.rd << 8) |
      (+msg.ra << 7) | (+msg.ad << 5) | (+msg.cd << 4) | (msg.rcode & 0xf),
  );
  for (const n of [msg.questions.length, msg.answers.length, msg.authorities.length, msg.additionals.length]) w.u16(n);
  for (const q of msg.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const section of [msg.answers, msg.authorities, msg.additionals]) {
    for (const rec of section) encodeRecord(w, rec, rec === opt ? msg.rcode >> 4 : undefined);
  }
  return Buffer.from(w.buf.subarray(0, w.pos));
}

function encodeRecord(w: Writer, rec: WireRecord, extendedRcode: number | undefined): void {
  w.name(rec.name, true);
  if (rec.type === 'OPT') {
    w.u16(RR_TYPE.OPT);
    w.u16(rec.udpPayloadSize);
    w.u32((((extendedRcode ?? rec.extendedRcode) & 0xff) << 24) | ((rec.version & 0xff) << 16) | (rec.dnssecOk ? 0x8000 : 0));
    w.u16(rec.options.length);
    w.bytes(rec.options);
    return;
  }
  if (typeof rec.type === 'number') {
    w.u16(rec.type);
    w.u16(rec.class);
    w.u32(rec.ttl);
    w.u16(rec.rdata.length);
    w.bytes(rec.rdata);
    return;
  }
  w.u16(RR_TYPE[rec.type]);
  w.u16(RR_CLASS.IN);
  w.u32(Math.min(rec.ttl, 0x7fffffff));
  const lengthAt = w.pos;
  w.u16(0);
  encodeRdata(w, rec);
  w.buf.writeUInt16BE(w.pos - lengthAt - 2, lengthAt);
}

function encodeRdata(w: Writer, rec: ZoneRecord): void {
  switch (rec.type) {
    case 'A':
      return w.bytes(ipv4ToBytes(rec.address));
    case 'AAAA':
      return w.bytes(ipv6ToBytes(rec.address));
    case 'CNAME':
      return w.name(rec.target, true);
    case 'SRV': // RFC 2782: no compression of the target
      w.u16(rec.priority);
      w.u16(rec.weight);
      w.u16(rec.port);
      return w.name(rec.target, false);
    case 'TXT':
      for (const s of rec.data.length ? rec.data : ['']) w.charString(s);
      return;
    case 'NAPTR': // RFC 3403 §4.1 / RFC 3597 §4: no compression of the replacement
      w.u16(rec.order);
      w.u16(rec.preference);
      w.charString(rec.flags);
      w.charString(rec.service);
      w.charString(rec.regexp);
      return w.name(rec.replacement, false);
    case 'SOA':
      w.name(rec.mname, true);
      w.name(rec.rname, true);
      for (const v of [rec.serial, rec.refresh, rec.retry, rec.expire, rec.minimum]) w.u32(v);
      return;
  }
}

/** True when two names are equal under RFC 4343 case-insensitive comparison. */
export function sameName(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}
