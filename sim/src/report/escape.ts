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

/** What a report page may load: nothing but its own inline styles (no script, no request). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** The opening of a self-contained report page, up to and including `<body>`. */
export function pageStart(title: string, css: string): string {
  return [
    '<!DOCTYPE html>',
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(REPORT_CSP)}"/>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeText(title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
  ].join('\n');
}
