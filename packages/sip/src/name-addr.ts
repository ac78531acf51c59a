import { SipParseError } from './errors.ts';
import { formatUri, parseUri, type SipUri } from './uri.ts';

/** name-addr / addr-spec with header parameters (From, To, Contact, Route, …; RFC 3261 §20.10, §25.1). */
export interface NameAddr {
  displayName: string | null;
  uri: SipUri;
  params: Map<string, string | null>;
}

function parseHeaderParams(s: string, params: Map<string, string | null>): void {
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (s[i] !== ';') throw new SipParseError(`unexpected "${s.slice(i, i + 10)}" after address`);
    i++;
    let j = i;
    while (j < s.length && s[j] !== ';' && s[j] !== '=') j++;
    const name = s.slice(i, j).trim().toLowerCase();
    if (!name) throw new SipParseError('empty header parameter');
    if (!/^[a-zA-Z0-9\-.!%*_+`'~]+$/.test(name)) throw new SipParseError(`bad header parameter name "${name}"`);
    let value: string | null = null;
    if (s[j] === '=') {
      j++;
      while (j < s.length && /\s/.test(s[j]!)) j++;
      if (s[j] === '"') {
        let k = j + 1;
        while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
        if (k >= s.length) throw new SipParseError(`unterminated quoted value for parameter "${name}"`);
        value = s.slice(j, k + 1);
        j = k + 1;
      } else {
        let k = j;
        while (k < s.length && s[k] !== ';') k++;
        value = s.slice(j, k).trim();
        j = k;
      }
    }
    params.set(name, value);
    i = j;
  }
}

/** Parse `"Bob" <sip:bob@b.example>;tag=x`, `<sip:…>`, or a bare addr-spec `sip:bob@b.example;tag=x`. */
export function parseNameAddr(text: string): NameAddr {
  const s = text.trim();
  let displayName: string | null = null;
  let rest: string;
  let uriText: string;
  if (s.startsWith('"')) {
    let k = 1;
    while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
    if (k >= s.length) throw new SipParseError('unterminated quoted display name');
    displayName = s.slice(1, k).replace(/\\(.)/g, '$1');
    const after = s.slice(k + 1).trimStart();
    if (!after.startsWith('<')) throw new SipParseError('display name not followed by <URI>');
    const end = after.indexOf('>');
    if (end < 0) throw new SipParseError('unterminated <URI>');
    uriText = after.slice(1, end);
    rest = after.slice(end + 1);
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      const name = s.slice(0, lt).trim();
      if (name && !/^[a-zA-Z0-9\-.!%*_+`'~ \t]+$/.test(name)) throw new SipParseError(`bad display name "${name}"`);
      displayName = name || null;
      const end = s.indexOf('>', lt);
      if (end < 0) throw new SipParseError('unterminated <URI>');
      uriText = s.slice(lt + 1, end);
      rest = s.slice(end + 1);
    } else {
      // addr-spec: header params start at the first ';' — URI params are not allowed here (RFC 3261 §20).
      const semi = s.indexOf(';');
      uriText = semi < 0 ? s : s.slice(0, semi);
      rest = semi < 0 ? '' : s.slice(semi);
      if (/\s/.test(uriText)) throw new SipParseError(`whitespace inside addr-spec "${uriText}"`);
    }
  }
  const uri = parseUri(uriText.trim());
  const params = new Map<string, string | null>();
  parseHeaderParams(rest, params);
  return { displayName, uri, params };
}

export function formatNameAddr(na: NameAddr): string {
  let s = na.displayName !== null ? `"${na.displayName.replace(/(["\\])/g, '\\$1')}" ` : '';
  s += `<${formatUri(na.uri)}>`;
  for (const [k, v] of na.params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}

export { parseHeaderParams };
