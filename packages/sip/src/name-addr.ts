import { GENVALUE, isWs, quote, quotedEnd, skipWs, TOKEN, unquote } from './abnf.ts';
import { SipParseError } from './errors.ts';
import { formatUri, parseUri, type SipUri } from './uri.ts';

/** name-addr / addr-spec with header parameters (From, To, Contact, Route, …; RFC 3261 §20.10, §25.1). */
export interface NameAddr {
  /** Display name: quoted-pairs resolved for a quoted one, tokens as written for an unquoted one. */
  displayName: string | null;
  uri: SipUri;
  /** Header parameters (`;tag=…`): names lower-cased, values as written (quoted-strings keep their quotes). */
  params: Map<string, string | null>;
}

/**
 * Parse `*( SEMI generic-param )` where SEMI = SWS ";" SWS and generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string. Starts at `from` in `s`; the rest of `s` must be parameters.
 */
export function parseHeaderParams(s: string, params: Map<string, string | null>, from = 0): void {
  // The common shape — `;name[=value]` with no LWS — scanned in place; anything else takes the full grammar.
  const len = s.length;
  let at = from;
  while (at < len && s.charCodeAt(at) === 0x3b) {
    let i = at + 1;
    let upper = false;
    while (i < len) {
      const c = s.charCodeAt(i);
      if (TOKEN[c] !== 1) break;
      if (c >= 0x41 && c <= 0x5a) upper = true;
      i++;
    }
    if (i === at + 1) break;
    const name = upper ? s.slice(at + 1, i).toLowerCase() : s.slice(at + 1, i);
    let value: string | null = null;
    if (i < len && s.charCodeAt(i) === 0x3d) {
      const v = i + 1;
      if (s.charCodeAt(v) === 0x22) {
        i = quotedEnd(s, v);
        if (i < 0) break;
      } else {
        i = v;
        while (i < len && GENVALUE[s.charCodeAt(i)] === 1) i++;
        if (i === v) break;
      }
      value = s.slice(v, i);
    }
    if (i < len && s.charCodeAt(i) !== 0x3b) break;
    params.set(name, value);
    at = i;
  }
  if (at >= len) return;
  params.clear();
  parseHeaderParamsGeneral(s, params, from);
}

/** The full grammar (SWS around ";" and "="), with errors that name the fault. */
function parseHeaderParamsGeneral(s: string, params: Map<string, string | null>, from: number): void {
  let i = skipWs(s, from);
  while (i < s.length) {
    if (s.charCodeAt(i) !== 0x3b) throw new SipParseError(`unexpected ${JSON.stringify(s.slice(i, i + 12))} where a ";" parameter was expected`);
    i = skipWs(s, i + 1);
    let j = i;
    while (j < s.length && TOKEN[s.charCodeAt(j)] === 1) j++;
    if (j === i) {
      const c = s.charCodeAt(i);
      if (i >= s.length || c === 0x3b || c === 0x2c) throw new SipParseError('empty parameter (";" not followed by a name)');
      throw new SipParseError(`bad parameter name starting ${JSON.stringify(s.slice(i, i + 12))}`);
    }
    const name = s.slice(i, j).toLowerCase();
    let value: string | null = null;
    i = skipWs(s, j);
    if (s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      if (s.charCodeAt(i) === 0x22) {
        const end = quotedEnd(s, i);
        if (end < 0) throw new SipParseError(`unterminated quoted value of parameter "${name}"`);
        value = s.slice(i, end);
        i = end;
      } else {
        let k = i;
        while (k < s.length && GENVALUE[s.charCodeAt(k)] === 1) k++;
        if (k === i) throw new SipParseError(`parameter "${name}=" has no value`);
        value = s.slice(i, k);
        i = k;
      }
      i = skipWs(s, i);
    }
    params.set(name, value);
  }
}

/** Display-name tokens separated by LWS (`*(token LWS)`), as written. */
function isTokenList(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (TOKEN[c] !== 1 && !isWs(c)) return false;
  }
  return true;
}

/** The parts of a name-addr / addr-spec before its URI is parsed. */
interface Scanned {
  displayName: string | null;
  uriText: string;
  params: Map<string, string | null>;
}

function scanNameAddr(text: string): Scanned {
  const i = skipWs(text, 0);
  let displayName: string | null = null;
  let uriText: string;
  let paramsFrom: number;
  if (text.charCodeAt(i) === 0x22) {
    const end = quotedEnd(text, i);
    if (end < 0) throw new SipParseError('unterminated quoted string in display name');
    displayName = unquote(text.slice(i, end));
    const lt = skipWs(text, end);
    if (text.charCodeAt(lt) !== 0x3c) throw new SipParseError('quoted display name not followed by <URI>');
    ({ uriText, paramsFrom } = bracketed(text, lt));
  } else {
    const lt = text.indexOf('<', i);
    const colon = text.indexOf(':', i);
    if (lt >= 0 && (colon < 0 || lt < colon)) {
      let end = lt;
      while (end > i && isWs(text.charCodeAt(end - 1))) end--;
      const name = text.slice(i, end);
      if (name && !isTokenList(name)) throw new SipParseError(`display name ${JSON.stringify(name)} has characters that require quotes`);
      displayName = name || null;
      ({ uriText, paramsFrom } = bracketed(text, lt));
    } else {
      // addr-spec: the URI ends at the first ';' (or LWS before it); URI parameters cannot appear here.
      let j = text.indexOf(';', i);
      if (j < 0) j = text.length;
      let e = j;
      while (e > i && isWs(text.charCodeAt(e - 1))) e--;
      uriText = text.slice(i, e);
      paramsFrom = j;
      if (!uriText) throw new SipParseError('missing address');
      if (/[\s]/.test(uriText)) throw new SipParseError(`whitespace inside addr-spec "${text.trim().slice(0, 60)}"`);
      const q = uriText.search(/[?,]/);
      if (q >= 0) throw new SipParseError(`address ${JSON.stringify(uriText.slice(0, 60))} contains "${uriText[q]}" and must be enclosed in "<" and ">"`);
    }
  }
  const params = new Map<string, string | null>();
  parseHeaderParams(text, params, paramsFrom);
  return { displayName, uriText, params };
}

/**
 * Parse `"Bob" <sip:bob@b.example>;tag=x`, `Bob <sip:…>`, `<sip:…>`, or a bare addr-spec
 * `sip:bob@b.example;tag=x` (in which every ';' starts a header parameter, RFC 3261 §20.10).
 */
export function parseNameAddr(text: string): NameAddr {
  const s = scanNameAddr(text);
  return { displayName: s.displayName, uri: parseUri(s.uriText), params: s.params };
}

/** A name-addr whose URI is parsed on first access (From/To on the transaction hot path need only the tag). */
class LazyNameAddr implements NameAddr {
  displayName: string | null;
  params: Map<string, string | null>;
  #uriText: string;
  #uri: SipUri | undefined;
  #header: string;

  constructor(s: Scanned, header: string) {
    this.displayName = s.displayName;
    this.params = s.params;
    this.#uriText = s.uriText;
    this.#header = header;
  }

  get uri(): SipUri {
    if (this.#uri === undefined) {
      try {
        this.#uri = parseUri(this.#uriText);
      } catch (err) {
        if (err instanceof SipParseError) throw new SipParseError(`bad ${this.#header} header: ${err.reason}`, err.status, { cause: err });
        throw err;
      }
    }
    return this.#uri;
  }

  set uri(uri: SipUri) {
    this.#uri = uri;
  }

  toJSON(): NameAddr {
    return { displayName: this.displayName, uri: this.uri, params: this.params };
  }
}

/**
 * `parseNameAddr` with the URI parsed on first access of `uri` (a malformed URI then throws there, naming
 * `header`); everything else is checked now.
 */
export function parseNameAddrLazy(text: string, header: string): NameAddr {
  return new LazyNameAddr(scanNameAddr(text), header);
}

function bracketed(text: string, lt: number): { uriText: string; paramsFrom: number } {
  const gt = text.indexOf('>', lt + 1);
  if (gt < 0) throw new SipParseError('unterminated <URI> (no ">")');
  const uriText = text.slice(lt + 1, gt);
  if (uriText.length && (isWs(uriText.charCodeAt(0)) || isWs(uriText.charCodeAt(uriText.length - 1)))) {
    throw new SipParseError(`whitespace inside "<" ">" around the URI "${uriText.trim().slice(0, 60)}"`);
  }
  if (!uriText) throw new SipParseError('empty <URI>');
  return { uriText, paramsFrom: gt + 1 };
}

/** Serialize as name-addr (always with angle brackets, so URI parameters stay URI parameters). */
export function formatNameAddr(na: NameAddr): string {
  let s = na.displayName !== null ? `${quote(na.displayName)} ` : '';
  s += `<${formatUri(na.uri)}>`;
  for (const [k, v] of na.params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}

