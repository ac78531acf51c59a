import { SipParseError } from './errors.ts';
import { parseDeltaSeconds, parseMaxForwards, parseMediaType, parseSipDate, parseTokenList, parseWarning } from './header-values.ts';
import { parseNameAddr } from './name-addr.ts';
import { SipRequest, type SipMessage } from './message.ts';

function within(header: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipParseError && !err.reason.toLowerCase().includes(header.toLowerCase())) {
      throw new SipParseError(`bad ${header} header: ${err.reason}`, err.status, { cause: err });
    }
    throw err;
  }
}

/**
 * Strict RFC 3261 §25 check of every header whose grammar this package knows, in message order of
 * importance: start line and Request-URI, Via, From, To, Call-ID, CSeq, Max-Forwards, Contact, Route,
 * Record-Route, Content-Type, option-tag lists, Expires, Date, Retry-After, Warning. Throws the first
 * SipParseError. The parser itself stays lazy; a UAS applies only the checks it relies on
 * (`validateRequest`); this is for conformance testing and for tools that must reject any malformed input.
 */
export function checkWellFormed(msg: SipMessage): void {
  if (msg instanceof SipRequest) {
    const uri = msg.requestUri;
    if (uri.headers.size && (uri.scheme === 'sip' || uri.scheme === 'sips')) {
      throw new SipParseError('Request-URI must not contain headers ("?name=value")');
    }
  }
  const h = msg.headers;
  void msg.via;
  void msg.vias;
  void msg.from.uri;
  void msg.to.uri;
  void msg.callId;
  void msg.cseq;
  if (h.count('Max-Forwards')) within('Max-Forwards', () => parseMaxForwards(h.get('Max-Forwards')!));
  if (h.count('Max-Forwards') > 1) throw new SipParseError('more than one Max-Forwards header');
  const contacts = h.getAll('Contact');
  for (const c of contacts) {
    if (c === '*' && contacts.length === 1) continue;
    within('Contact', () => parseNameAddr(c));
  }
  for (const name of ['Route', 'Record-Route', 'Reply-To', 'Refer-To', 'P-Asserted-Identity', 'Path', 'Service-Route']) {
    for (const v of h.getAll(name)) within(name, () => parseNameAddr(v));
  }
  if (h.count('Content-Type') > 1) throw new SipParseError('more than one Content-Type header');
  const ct = h.get('Content-Type');
  if (ct !== undefined) within('Content-Type', () => parseMediaType(ct));
  if (ct === undefined && msg.body.length > 0) throw new SipParseError('message body without a Content-Type');
  for (const v of h.getAll('Accept')) within('Accept', () => parseMediaType(v, 'Accept'));
  for (const name of ['Require', 'Proxy-Require', 'Supported', 'Unsupported', 'Allow']) {
    for (const f of h.fields) if (f.name === name) parseTokenList(f.value, name);
  }
  const expires = h.get('Expires');
  if (expires !== undefined) parseDeltaSeconds(expires, 'Expires');
  const date = h.get('Date');
  if (date !== undefined) parseSipDate(date);
  const retry = h.get('Retry-After');
  if (retry !== undefined) parseDeltaSeconds(retry.replace(/\([^)]*\)/g, ' ').split(';')[0] ?? '', 'Retry-After');
  for (const w of h.getAll('Warning')) parseWarning(w);
}
