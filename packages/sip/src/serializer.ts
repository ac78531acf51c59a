import { SipRequest, type SipMessage } from './message.ts';

/** A header value or reason phrase cannot carry a line break: one would inject header lines. */
function oneLine(s: string): string {
  return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace(/[\r\n]+[ \t]*/g, ' ');
}

/**
 * Serialize with CRLF line ends (RFC 3261 §7). Header lines keep their order, names and values; the
 * Content-Length line (first one, in place, or appended) states the body's real length (§20.14).
 * `parseMessage(serializeMessage(m))` reproduces the start line, header fields and body of `m`.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = msg instanceof SipRequest ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${oneLine(msg.reason)}\r\n`;
  let lengthWritten = false;
  const fields = msg.headers.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.name === 'Content-Length') {
      if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
      lengthWritten = true;
      continue;
    }
    head += `${f.name}: ${oneLine(f.value)}\r\n`;
  }
  if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  const headLength = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLength + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLength);
  return out;
}
