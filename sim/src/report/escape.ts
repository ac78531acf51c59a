/**
 * Text escaping for the XML and HTML reports. SIP messages are untrusted input: everything that reaches
 * markup goes through `escapeText` or `escapeAttr`.
 */

/**
 * Characters XML 1.0 forbids even as character references (C0 controls other than tab/LF/CR, U+FFFE,
 * U+FFFF, unpaired surrogates). They are shown as `\xNN` / `\uNNNN` text instead.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Escapes text content for XML and HTML. */
export function escapeText(text: string): string {
  return String(text)
    .replace(FORBIDDEN, visible)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Escapes a double- or single-quoted attribute value; tab, CR and LF are kept as character references. */
export function escapeAttr(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
