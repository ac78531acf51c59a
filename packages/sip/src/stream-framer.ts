import { SipParseError } from './errors.ts';
import { findHeaderEnd } from './parser.ts';

/** Default cap on one SIP message on a stream (header section + body). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

const CR = 0x0d;
const LF = 0x0a;

/** RFC 3261 §25.1 token characters: the only bytes a start line may begin with. */
const TOKEN_START = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`\'~') TOKEN_START[c.charCodeAt(0)] = 1;

const CONTENT_LENGTH_RE = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/gim;

export interface StreamFramerSink {
  /** One complete message (start line, headers and exactly Content-Length body bytes); the buffer is ours to keep. */
  message(frame: Buffer): void;
  /** RFC 5626 §4.4.1: a CRLFCRLF "ping" arrived between messages; the owner answers with a CRLF "pong". */
  ping(): void;
  /**
   * The stream cannot be framed any further (oversize message, unusable Content-Length, bytes that cannot
   * start a message). `head` holds what arrived of the offending message. The owner must close the stream.
   */
  error(error: SipParseError, head: Buffer): void;
}

export interface StreamFramerOptions {
  /** Largest message accepted, header section plus body (default 64 KiB); larger ones fail the stream. */
  maxMessageSize?: number;
}

/**
 * RFC 3261 §18.3 message framing for stream transports (TCP, TLS): the header section ends at the first
 * empty line and the body is exactly Content-Length bytes. Handles messages split across chunks, several
 * messages in one chunk, and RFC 5626 §4.4.1 CRLF keep-alives between messages. Memory per stream is
 * bounded by `maxMessageSize`.
 */
export class StreamFramer {
  readonly maxMessageSize: number;
  #sink: StreamFramerSink;
  /** Bytes of an incomplete message (grows by doubling; never past maxMessageSize plus one chunk). */
  #store: Buffer = Buffer.alloc(0);
  #length = 0;
  /** How far the current message was already searched for its empty line (so byte-by-byte input stays linear). */
  #scanned = 0;
  /** Total size of the current message once its header section is known. */
  #frameSize = -1;
  #failed = false;

  constructor(sink: StreamFramerSink, options: StreamFramerOptions = {}) {
    this.#sink = sink;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Bytes held for a message that has not completely arrived. */
  get buffered(): number {
    return this.#length;
  }

  /** True once `error` was reported; later input is ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  push(chunk: Buffer): void {
    if (this.#failed || chunk.length === 0) return;
    if (this.#length === 0) {
      // Fast path: frame straight out of the chunk; only an incomplete tail is copied.
      const used = this.#drain(chunk, false);
      if (!this.#failed && used < chunk.length) this.#append(chunk.subarray(used));
      return;
    }
    this.#append(chunk);
    const used = this.#drain(this.#store.subarray(0, this.#length), true);
    if (this.#failed) return;
    if (used > 0) {
      this.#store.copyWithin(0, used, this.#length);
      this.#length -= used;
    }
    if (this.#length === 0 && this.#store.length > 16 * 1024) this.#store = Buffer.alloc(0);
  }

  #append(bytes: Buffer): void {
    const need = this.#length + bytes.length;
    if (need > this.#store.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.#store.length * 2, 1024));
      this.#store.copy(grown, 0, 0, this.#length);
      this.#store = grown;
    }
    bytes.copy(this.#store, this.#length);
    this.#length = need;
  }

  /** Emit every complete message in `data`; returns the number of bytes consumed. */
  #drain(data: Buffer, copy: boolean): number {
    let pos = 0;
    while (pos < data.length) {
      if (this.#frameSize < 0) {
        const b = data[pos]!;
        if (b === CR || b === LF) {
          const left = data.length - pos;
          if (left >= 4 && b === CR && data[pos + 1] === LF && data[pos + 2] === CR && data[pos + 3] === LF) {
            pos += 4;
            this.#sink.ping();
            continue;
          }
          if (left < 4 && isPingPrefix(data, pos)) break; // maybe the start of a ping: wait for more
          pos += 1; // a CRLF pong, or a stray line end before a message (§7.5)
          continue;
        }
        if (!TOKEN_START[b]) {
          this.#fail(new SipParseError(`bytes that cannot start a SIP message (0x${b.toString(16).padStart(2, '0')})`), data.subarray(pos, pos + 256));
          return pos;
        }
        const he = findHeaderEnd(data, pos + Math.max(0, this.#scanned - 3));
        if (he === -1) {
          this.#scanned = data.length - pos;
          if (this.#scanned > this.maxMessageSize) {
            this.#fail(new SipParseError(`header section exceeds ${this.maxMessageSize} bytes`, 513), data.subarray(pos, pos + 1024));
            return pos;
          }
          break;
        }
        const contentLength = readContentLength(data.toString('latin1', pos, he.end));
        if (typeof contentLength === 'string') {
          this.#fail(new SipParseError(contentLength), data.subarray(pos, he.bodyStart));
          return pos;
        }
        const size = he.bodyStart - pos + contentLength;
        if (size > this.maxMessageSize) {
          this.#fail(new SipParseError(`message of ${size} bytes exceeds the ${this.maxMessageSize}-byte limit`, 513), data.subarray(pos, he.bodyStart));
          return pos;
        }
        this.#frameSize = size;
      }
      if (data.length - pos < this.#frameSize) break;
      const frame = data.subarray(pos, pos + this.#frameSize);
      pos += this.#frameSize;
      this.#frameSize = -1;
      this.#scanned = 0;
      this.#sink.message(copy ? Buffer.from(frame) : frame);
      if (this.#failed) return pos;
    }
    return pos;
  }

  #fail(error: SipParseError, head: Buffer): void {
    this.#failed = true;
    const copy = Buffer.from(head);
    this.#store = Buffer.alloc(0);
    this.#length = 0;
    this.#sink.error(error, copy);
  }
}

function isPingPrefix(data: Buffer, pos: number): boolean {
  for (let i = pos; i < data.length; i++) if (data[i] !== ((i - pos) % 2 === 0 ? CR : LF)) return false;
  return true;
}

/**
 * §18.3 / §20.14: the body length of a stream message. A missing Content-Length means no body (the parser
 * then decides whether that is acceptable); several values must agree or the stream cannot be framed.
 */
function readContentLength(head: string): number | string {
  let value: number | null = null;
  CONTENT_LENGTH_RE.lastIndex = 0;
  for (let m = CONTENT_LENGTH_RE.exec(head); m !== null; m = CONTENT_LENGTH_RE.exec(head)) {
    const text = m[1]!.trim();
    if (!/^\d{1,10}$/.test(text)) return `bad Content-Length "${text.slice(0, 20)}" on a stream transport`;
    const n = Number(text);
    if (value !== null && value !== n) return 'conflicting Content-Length headers on a stream transport';
    value = n;
  }
  return value ?? 0;
}
