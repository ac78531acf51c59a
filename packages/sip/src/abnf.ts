/**
 * Character classes of the RFC 3261 §25.1 grammar as lookup tables, and the small scanners the message,
 * URI and header parsers share. Tables index char codes 0–127; everything ≥ 128 is outside every class.
 */

function table(chars: string, ...ranges: Array<[string, string]>): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  for (const [a, b] of ranges) for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[string, string]> = [['a', 'z'], ['A', 'Z'], ['0', '9']];
const MARK = "-_.!~*'()";

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ...ALNUM);
/** user = 1*(unreserved / escaped / user-unreserved); '%' is checked as an escape separately. '#' is accepted (dial strings). */
export const USER = table(`${MARK}&=+$,;?/%#`, ...ALNUM);
/** password = *(unreserved / escaped / "&" / "=" / "+" / "$" / ",") */
export const PASSWORD = table(`${MARK}&=+$,%`, ...ALNUM);
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAMCHAR = table(`${MARK}[]/:&+$%`, ...ALNUM);
/** hname / hvalue = *(hnv-unreserved / unreserved / escaped) */
export const HNV = table(`${MARK}[]/?:+$%`, ...ALNUM);
/** hostname characters (plus '_', which real hosts use) */
export const HOSTCHAR = table('-._', ...ALNUM);
/** Characters of an unquoted gen-value: token / host (IPv6 references included). */
export const GENVALUE = table("-.!%*_+`'~:[]", ...ALNUM);
/** Digits and hex digits. */
export const DIGIT = table('', ['0', '9']);
/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") (§25.1, Call-ID). */
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", ...ALNUM);
export const HEX = table('', ['0', '9'], ['a', 'f'], ['A', 'F']);

export const SP = 0x20;
export const HT = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;

export function isWs(c: number): boolean {
  return c === SP || c === HT;
}

/** True when every char of s[from, to) is in the table. */
export function allIn(t: Uint8Array, s: string, from = 0, to = s.length): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (t[s.charCodeAt(i)] !== 1) return false;
  return true;
}

export function isToken(s: string): boolean {
  return allIn(TOKEN, s);
}

/** Index of the first char at or after `i` that is not SP/HT. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** s[from, to) without leading and trailing SP/HT (the LWS that RFC 3261 allows around values). */
export function trimWs(s: string, from = 0, to = s.length): string {
  while (from < to && isWs(s.charCodeAt(from))) from++;
  while (to > from && isWs(s.charCodeAt(to - 1))) to--;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}

/**
 * Index just past the closing quote of the quoted-string that opens at `open` (a '"'), honouring
 * quoted-pairs, or -1 when the string is not terminated.
 */
export function quotedEnd(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/** The content of a quoted-string with quoted-pairs resolved (`"a \"b\""` → `a "b"`). */
export function unquote(q: string): string {
  const inner = q.slice(1, -1);
  return inner.includes('\\') ? inner.replace(/\\([\s\S])/g, '$1') : inner;
}

/** A quoted-string for `text`: '"' and '\' and control characters become quoted-pairs, CR/LF are dropped. */
export function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/[\r\n]/g, '').replace(/["\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\\$&')}"`;
}

/** Position of the first top-level comma (outside quotes and <>), or -1. */
export function topLevelComma(s: string, from = 0): number {
  let angle = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const end = quotedEnd(s, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === 0x3c) angle++;
    else if (c === 0x3e) angle = angle > 0 ? angle - 1 : 0;
    else if (c === 0x2c && angle === 0) return i;
  }
  return -1;
}
