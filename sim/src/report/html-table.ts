/** Table cells and tables of report.html (every text escaped). */
import { escapeText } from './escape.ts';

export function cell(value: string, cls = ''): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${escapeText(value)}</td>`;
}

export function table(headers: string[], rows: string[], attrs = ''): string {
  const head = headers.map((h) => `<th>${escapeText(h)}</th>`).join('');
  return `<table${attrs}><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
