/**
 * Turns recorded trace entries into the arrows of a ladder diagram. When both ends of a message live in
 * this process (caller and node in one `gwsim run`), the trace holds it twice — sent and received — and
 * the two become one arrow. Pure; shared by the text and HTML renderers.
 */
import type { LadderEntry } from './report-types.ts';

export interface LadderArrow {
  /** Sender and receiver, `address:port`. */
  from: string;
  to: string;
  /** Epoch ms when sent (or received, when only the receiving end was traced). */
  at: number;
  /** Epoch ms when received, when both ends were traced. */
  receivedAt: number | null;
  transport: string;
  firstLine: string;
  raw: string;
  /** The same bytes went from the same sender to the same receiver before (a retransmission). */
  retransmission: boolean;
}

/** One arrow per message, in trace order. */
export function ladderArrows(entries: readonly LadderEntry[]): LadderArrow[] {
  const arrows: LadderArrow[] = [];
  /** `to|raw` → arrows sent but not yet seen arriving, oldest first. */
  const inFlight = new Map<string, LadderArrow[]>();
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.direction === 'in') {
      const key = `${e.local}|${e.raw}`;
      const waiting = inFlight.get(key);
      const sent = waiting?.shift();
      if (waiting && waiting.length === 0) inFlight.delete(key);
      if (sent) {
        sent.receivedAt = e.at;
        continue;
      }
    }
    const from = e.direction === 'out' ? e.local : e.remote;
    const to = e.direction === 'out' ? e.remote : e.local;
    const identity = `${from}|${to}|${e.raw}`;
    const arrow: LadderArrow = { from, to, at: e.at, receivedAt: null, transport: e.transport, firstLine: e.firstLine, raw: e.raw, retransmission: seen.has(identity) };
    seen.add(identity);
    arrows.push(arrow);
    if (e.direction === 'out') {
      const key = `${to}|${e.raw}`;
      const list = inFlight.get(key);
      if (list) list.push(arrow);
      else inFlight.set(key, [arrow]);
    }
  }
  return arrows;
}

/** The lifelines: every address in order of first appearance (the first sender leftmost). */
export function ladderColumns(arrows: readonly LadderArrow[]): string[] {
  const columns: string[] = [];
  for (const a of arrows) {
    if (!columns.includes(a.from)) columns.push(a.from);
    if (!columns.includes(a.to)) columns.push(a.to);
  }
  return columns;
}

/** `12.3 ms` relative to the start, one decimal. */
export function formatRelativeMs(ms: number): string {
  return `${(Math.round(ms * 10) / 10).toFixed(1)} ms`;
}
