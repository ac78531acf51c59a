import { SipRequest, type SipMessage } from './message.ts';

/** Serialize with CRLF line ends and a Content-Length that matches the body (RFC 3261 §7, §20.14). */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = msg instanceof SipRequest ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  for (const f of msg.headers.fields) {
    if (f.name === 'Content-Length') continue;
    head += `${f.name}: ${f.value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), msg.body]);
}
