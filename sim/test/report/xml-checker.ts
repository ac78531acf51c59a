/**
 * A small strict XML reader for tests: builds a tree and throws on anything not well-formed (unclosed or
 * mismatched tags, raw `<` or stray `&` in text, unquoted or duplicate attributes, characters XML 1.0
 * forbids). Enough for junit.xml and for report.html, which is written XHTML-compatible.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | { text: string };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isNameChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === '_' || c === ':' || c === '.';
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\n' || c === '\t' || c === '\r';
}

function checkChars(text: string, where: number): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) || code === 0xfffe || code === 0xffff) {
      throw new Error(`character U+${code.toString(16).padStart(4, '0')} is not allowed in XML (near offset ${where + i})`);
    }
  }
}

function decode(text: string, where: number): string {
  checkChars(text, where);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '<') throw new Error(`raw "<" in text at offset ${where + i}`);
    if (c !== '&') {
      out += c;
      continue;
    }
    const end = text.indexOf(';', i);
    if (end < 0 || end - i > 10) throw new Error(`stray "&" at offset ${where + i}`);
    const ref = text.slice(i + 1, end);
    if (ref.startsWith('#x')) out += String.fromCodePoint(parseInt(ref.slice(2), 16));
    else if (ref.startsWith('#')) out += String.fromCodePoint(parseInt(ref.slice(1), 10));
    else if (ref in ENTITIES) out += ENTITIES[ref];
    else throw new Error(`unknown entity &${ref}; at offset ${where + i}`);
    i = end;
  }
  return out;
}

/** Parses a whole document; the prolog may hold `<?xml …?>`, `<!DOCTYPE …>` and comments. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const skipSpace = (): void => {
    while (isSpace(src[i])) i++;
  };
  const readName = (): string => {
    const start = i;
    while (i < src.length && isNameChar(src[i]!)) i++;
    if (i === start) throw new Error(`expected a name at offset ${start}`);
    return src.slice(start, i);
  };
  while (i < src.length) {
    if (src[i] !== '<') {
      const end = src.indexOf('<', i);
      const text = src.slice(i, end < 0 ? src.length : end);
      const top = stack[stack.length - 1];
      if (top) top.children.push({ text: decode(text, i) });
      else {
        for (const c of text) if (!isSpace(c)) throw new Error(`text outside the root element at offset ${i}`);
      }
      i = end < 0 ? src.length : end;
      continue;
    }
    if (src.startsWith('<?', i)) {
      const end = src.indexOf('?>', i);
      if (end < 0 || root) throw new Error(`bad processing instruction at offset ${i}`);
      i = end + 2;
    } else if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) throw new Error(`unclosed comment at offset ${i}`);
      i = end + 3;
    } else if (src.startsWith('<!DOCTYPE', i)) {
      if (root || stack.length) throw new Error(`DOCTYPE after the root element at offset ${i}`);
      const end = src.indexOf('>', i);
      i = end + 1;
    } else if (src.startsWith('<!', i)) {
      throw new Error(`unexpected markup declaration at offset ${i}`);
    } else if (src.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (src[i] !== '>') throw new Error(`bad end tag </${name} at offset ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`end tag </${name}> does not match <${open?.name ?? '(none)'}> at offset ${i}`);
    } else {
      i++;
      const el: XmlElement = { name: readName(), attrs: {}, children: [] };
      for (;;) {
        const hadSpace = isSpace(src[i]);
        skipSpace();
        if (src[i] === '>' || src.startsWith('/>', i)) break;
        if (!hadSpace) throw new Error(`expected space before an attribute at offset ${i}`);
        const name = readName();
        skipSpace();
        if (src[i] !== '=') throw new Error(`attribute ${name} without a value at offset ${i}`);
        i++;
        skipSpace();
        const quote = src[i];
        if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute ${name} at offset ${i}`);
        const end = src.indexOf(quote, i + 1);
        if (end < 0) throw new Error(`unclosed attribute ${name} at offset ${i}`);
        if (name in el.attrs) throw new Error(`duplicate attribute ${name} at offset ${i}`);
        el.attrs[name] = decode(src.slice(i + 1, end), i + 1);
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new Error(`second root element <${el.name}> at offset ${i}`);
      else root = el;
      if (src.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    }
  }
  if (stack.length) throw new Error(`unclosed element <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

export function isElement(n: XmlNode): n is XmlElement {
  return 'name' in n;
}

/** Every element below (and including) `el` that `pred` accepts, in document order. */
export function findAll(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (pred(e)) out.push(e);
    for (const c of e.children) if (isElement(c)) walk(c);
  };
  walk(el);
  return out;
}

/** Direct child elements named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => isElement(c) && c.name === name);
}

/** All text below `el`, decoded. */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (isElement(c) ? textOf(c) : c.text)).join('');
}
