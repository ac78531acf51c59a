/**
 * SIP ladders: a recorder on sip's trace channel that groups messages by Call-ID (bounded memory), and
 * the ASCII ladder `gwsim repro` prints. Not subscribed until `start()`, so it costs nothing otherwise.
 */
import { isUtf8 } from 'node:buffer';
import diagnosticsChannel from 'node:diagnostics_channel';
import { sipTraceChannel, type SipTraceRecord, type TransportAddress } from '@gwsim/sip';
import { formatRelativeMs, ladderArrows, ladderColumns } from './ladder-arrows.ts';
import type { LadderEntry } from './report-types.ts';

export interface LadderRecorderOptions {
  /** Calls kept; the call seen first is evicted when a new one arrives. Default 1000. */
  maxCalls?: number;
  /** Messages kept per call; the oldest is dropped. Default 200. */
  maxMessagesPerCall?: number;
  /** Record only the messages this accepts (e.g. one side's addresses). */
  filter?: (record: SipTraceRecord) => boolean;
}

/** What `dump()` returns. */
export interface LadderRecorderDump {
  recording: boolean;
  calls: number;
  messages: number;
  evictedCalls: number;
  droppedMessages: number;
  /** Traced messages without a Call-ID (not recorded). */
  unparsed: number;
}

/** `address:port`, IPv6 in brackets. */
export function formatAddress(a: TransportAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

const TEXT_TYPES = new Set(['application/sdp', 'application/json', 'application/xml', 'message/sipfrag', 'application/dtmf-relay', 'application/dtmf']);

function isTextType(mediaType: string): boolean {
  return mediaType.startsWith('text/') || mediaType.startsWith('multipart/') || TEXT_TYPES.has(mediaType) || mediaType.endsWith('+xml') || mediaType.endsWith('+json');
}

/**
 * Reads just enough of a traced message: start line, Call-ID (`Call-ID` or compact `i`) and Content-Type
 * (`c`). A body is kept as text only when Content-Type says text and the bytes are UTF-8 without NUL.
 */
export function ladderEntryFromTrace(record: SipTraceRecord, at: number = record.time): { callId: string | null; entry: LadderEntry } {
  const raw = record.raw;
  let end = raw.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = raw.indexOf('\n\n');
    sep = 2;
  }
  if (end < 0) {
    end = raw.length;
    sep = 0;
  }
  const head = raw.toString('utf8', 0, end);
  const lines = head.split(/\r?\n/);
  let callId: string | null = null;
  let contentType = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (callId === null && (name === 'call-id' || name === 'i')) callId = line.slice(colon + 1).trim() || null;
    else if (!contentType && (name === 'content-type' || name === 'c')) contentType = line.slice(colon + 1).split(';')[0]!.trim().toLowerCase();
  }
  const body = raw.subarray(Math.min(raw.length, end + sep));
  let bodyText = '';
  if (body.length > 0) bodyText = isTextType(contentType) && isUtf8(body) && !body.includes(0) ? body.toString('utf8') : `[${body.length} bytes]`;
  const entry: LadderEntry = {
    at,
    direction: record.direction,
    transport: record.transport,
    local: formatAddress(record.local),
    remote: formatAddress(record.remote),
    firstLine: lines[0]!.trim(),
    raw: head + (sep ? '\r\n\r\n' : '') + bodyText,
  };
  return { callId, entry };
}

const CALL_ID = Buffer.from('\r\nCall-ID:');
const CALL_ID_COMPACT = Buffer.from('\r\ni:');
const CRLF = Buffer.from('\r\n');

/** The Call-ID, fast for the spellings serializers use (`Call-ID:`, `i:`); any other by a full read. */
function callIdOf(record: SipTraceRecord): string | null {
  const raw = record.raw;
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.length;
  for (const name of [CALL_ID, CALL_ID_COMPACT]) {
    const at = raw.indexOf(name);
    if (at < 0 || at >= end) continue;
    const eol = raw.indexOf(CRLF, at + name.length);
    const value = raw.toString('utf8', at + name.length, eol < 0 || eol > end ? end : eol).trim();
    if (value) return value;
  }
  return ladderEntryFromTrace(record).callId;
}

/** A message as kept: the record with its own copy of the bytes, turned into text only when read. */
interface Kept {
  at: number;
  record: SipTraceRecord;
}

/**
 * Records every SIP message on `sipTraceChannel`, grouped by Call-ID. Recording copies the bytes and finds
 * the Call-ID; the text is made when a ladder is read, so a loaded run pays little for tracing.
 */
export class LadderRecorder {
  readonly #maxCalls: number;
  readonly #maxMessages: number;
  readonly #filter: ((record: SipTraceRecord) => boolean) | undefined;
  readonly #calls = new Map<string, Kept[]>();
  readonly #listener = (message: unknown): void => this.#record(message as SipTraceRecord);
  #recording = false;
  #evictedCalls = 0;
  #droppedMessages = 0;
  #unparsed = 0;

  constructor(options: LadderRecorderOptions = {}) {
    this.#maxCalls = Math.max(1, Math.floor(options.maxCalls ?? 1000));
    this.#maxMessages = Math.max(1, Math.floor(options.maxMessagesPerCall ?? 200));
    this.#filter = options.filter;
  }

  get recording(): boolean {
    return this.#recording;
  }

  /** Subscribes to the trace channel (idempotent). */
  start(): this {
    if (!this.#recording) {
      diagnosticsChannel.subscribe(sipTraceChannel.name, this.#listener);
      this.#recording = true;
    }
    return this;
  }

  /** Unsubscribes (idempotent); what was recorded stays readable. */
  stop(): void {
    if (!this.#recording) return;
    diagnosticsChannel.unsubscribe(sipTraceChannel.name, this.#listener);
    this.#recording = false;
  }

  /** The messages of one call in trace order (a copy; empty when unknown or evicted). */
  ladder(callId: string): LadderEntry[] {
    return (this.#calls.get(callId) ?? []).map((k) => ladderEntryFromTrace(k.record, k.at).entry);
  }

  /** Recorded Call-IDs, oldest first. */
  callIds(): string[] {
    return [...this.#calls.keys()];
  }

  clear(): void {
    this.#calls.clear();
  }

  dump(): LadderRecorderDump {
    let messages = 0;
    for (const list of this.#calls.values()) messages += list.length;
    return { recording: this.#recording, calls: this.#calls.size, messages, evictedCalls: this.#evictedCalls, droppedMessages: this.#droppedMessages, unparsed: this.#unparsed };
  }

  #record(record: SipTraceRecord): void {
    // A throwing subscriber would surface as an uncaught exception in the publisher's process.
    try {
      if (this.#filter && !this.#filter(record)) return;
      const at = performance.timeOrigin + performance.now();
      const callId = callIdOf(record);
      if (callId === null) {
        this.#unparsed++;
        return;
      }
      let list = this.#calls.get(callId);
      if (!list) {
        if (this.#calls.size >= this.#maxCalls) {
          const oldest = this.#calls.keys().next().value!;
          this.#calls.delete(oldest);
          this.#evictedCalls++;
        }
        list = [];
        this.#calls.set(callId, list);
      }
      // Copied: the sender may reuse its buffer, and a stream frame may be a view into a large chunk.
      list.push({ at, record: { ...record, raw: Buffer.from(record.raw) } });
      if (list.length > this.#maxMessages) {
        list.shift();
        this.#droppedMessages++;
      }
    } catch {
      this.#unparsed++;
    }
  }
}

function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : max <= 3 ? text.slice(0, max) : `${text.slice(0, max - 3)}...`;
}

/**
 * An ASCII ladder: one column per address, one line per message with its time relative to the first.
 * Messages traced at both ends are drawn once; retransmissions are marked.
 */
export function renderLadderText(entries: readonly LadderEntry[]): string {
  const arrows = ladderArrows(entries);
  if (arrows.length === 0) return '(no SIP messages recorded)\n';
  const columns = ladderColumns(arrows);
  const t0 = arrows[0]!.at;
  const times = arrows.map((a) => formatRelativeMs(a.at - t0));
  const timeWidth = Math.max(...times.map((t) => t.length)) + 2;
  const labels = arrows.map((a) => (a.retransmission ? `(retransmission) ${a.firstLine}` : a.firstLine));
  const widest = Math.max(...columns.map((c) => c.length));
  const colWidth = Math.min(72, Math.max(widest + 4, 28, Math.max(...labels.map((l) => l.length)) + 8));
  const left = timeWidth + Math.ceil(widest / 2);
  const xs = columns.map((_, i) => left + i * colWidth);
  const width = xs[xs.length - 1]! + Math.ceil(widest / 2) + 2;
  const out: string[] = [];
  const header = Array.from({ length: width }, () => ' ');
  columns.forEach((c, i) => {
    const start = Math.max(0, xs[i]! - Math.floor(c.length / 2));
    for (let k = 0; k < c.length; k++) header[start + k] = c[k]!;
  });
  out.push(header.join('').trimEnd());
  const lifelines = (): string[] => {
    const row = Array.from({ length: width }, () => ' ');
    for (const x of xs) row[x] = '|';
    return row;
  };
  out.push(lifelines().join('').trimEnd());
  arrows.forEach((a, n) => {
    const row = lifelines();
    const time = times[n]!.padStart(timeWidth - 2);
    for (let k = 0; k < time.length; k++) row[k] = time[k]!;
    const from = xs[columns.indexOf(a.from)]!;
    const to = xs[columns.indexOf(a.to)]!;
    if (from === to) {
      const label = ` ${truncate(labels[n]!, colWidth - 8)} (to itself)`;
      const text = `--+${label}`;
      for (let k = 0; k < text.length && from + 1 + k < width; k++) row[from + 1 + k] = text[k]!;
    } else {
      const lo = Math.min(from, to);
      const hi = Math.max(from, to);
      for (let x = lo + 1; x < hi; x++) row[x] = '-';
      if (to > from) row[hi - 1] = '>';
      else row[lo + 1] = '<';
      const span = hi - lo - 1;
      const label = ` ${truncate(labels[n]!, span - 6)} `;
      const start = lo + 1 + Math.floor((span - label.length) / 2);
      for (let k = 0; k < label.length; k++) row[start + k] = label[k]!;
    }
    out.push(row.join('').trimEnd());
  });
  return `${out.join('\n')}\n`;
}
