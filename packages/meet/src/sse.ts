/**
 * Server-Sent Events wire format (WHATWG HTML §9.2 "Server-sent events"): the server's encoder and an
 * incremental parser for the client. Only `id`, `event` and `data` are used; comments are keep-alives.
 */

export interface SseMessage {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/** Encode one event. `data` must not contain newlines other than as JSON escapes. */
export function encodeSse(message: SseMessage): string {
  const id = message.id !== undefined ? `id: ${message.id}\n` : '';
  const data = message.data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join('');
  return `${id}event: ${message.event}\n${data}\n`;
}

export function encodeSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** Feed text chunks; complete events come back in order. */
export class SseParser {
  #buffer = '';
  #id: string | undefined;
  #event = '';
  #data: string[] = [];

  push(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      if (!match) break;
      // A lone '\r' at the end may be the first half of '\r\n': wait for more input.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const message = this.#line(line);
      if (message) out.push(message);
    }
    return out;
  }

  /** The stream ended: a trailing lone CR was a line end after all. An unterminated event is dropped. */
  end(): SseMessage[] {
    if (!this.#buffer.endsWith('\r')) return [];
    const message = this.#line(this.#buffer.slice(0, -1));
    this.#buffer = '';
    return message ? [message] : [];
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.#data.length === 0) {
        this.#event = '';
        return undefined;
      }
      const message: SseMessage = { ...(this.#id !== undefined && { id: this.#id }), event: this.#event || 'message', data: this.#data.join('\n') };
      this.#event = '';
      this.#data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }
}
