/**
 * A call of the lean UAC engine (lean-uac.ts): where it is (the state constants), what its requests carry, its
 * timers (one wheel slot for the next retransmission or deadline) and what it will report.
 */
import type { CallResult, MixEntry } from './load-types.ts';
import type { CallPieces, DialPieces } from './lean-uac-messages.ts';
import type { WheelItem } from './lean-uac-wheel.ts';

/** Where a call is. */
export const CALLING = 0; // INVITE sent, no response yet: Timer A retransmits, Timer B gives up (§17.1.1.2)
export const PROCEEDING = 1; // a provisional arrived: no timer, unless a CANCEL is out (§9.1)
export const HOLDING = 2; // answered and ACKed: the hold timer runs
export const BYEING = 3; // BYE sent: Timer E retransmits, Timer F gives up (§17.1.2.2)
export const LINGER = 4; // ended, kept to absorb retransmissions: re-ACK a non-2xx final (Timer D), re-answer a BYE (Timer J)
export const GONE = 5;

/** The driver side of a call's timer: the wheel calls `onTimer` when its next retransmission or deadline comes. */
export interface CallTimers {
  onTimer(call: Call, now: number): void;
}

/** One call's state in the lean engine; the driver (lean-uac.ts) moves it through the states above. */
export class Call implements WheelItem, CallPieces {
  slot = -1;
  state = CALLING;
  /** Unique per driver; the Call-ID and every branch of the call derive from it. */
  readonly key: string;
  readonly callId: string;
  readonly tag: string;
  readonly dial: DialPieces;
  readonly expect: string;
  readonly signal: AbortSignal;
  readonly holdMs: number;
  readonly start: number;
  readonly driver: CallTimers;
  resolve!: (r: CallResult) => void;
  /** The request being retransmitted (INVITE, CANCEL, BYE) or, lingering, the ACK or 200 to re-send. */
  out: Buffer | null = null;
  interval = 0;
  retransAt = Infinity;
  /** Timer B/F, the §9.1 CANCEL wait, the hold's end or the linger's. */
  deadline = Infinity;
  pdd = -1;
  setupMs = 0;
  status = 0;
  reason = '';
  local = false;
  cancelWanted = false;
  /** Set by a send failure charged to this call: a running timeout ends as 503 instead of 408. */
  transportError = false;
  remoteTag = '';
  /** Request-URI of in-dialog requests: the 2xx's Contact (§12.1.2). */
  target = '';
  /** `Route: …\r\n` lines from the 2xx's Record-Route, reversed (§12.1.2); '' when none. */
  route = '';
  /** The final response's To as written (the non-2xx ACK copies it, §17.1.1.3). */
  finalTo = '';
  remoteBye = false;
  byeReason: string | undefined;
  /** Final status of our BYE; -1 while none was sent. */
  byeStatus = -1;

  constructor(driver: CallTimers, key: string, tag: string, dial: DialPieces, entry: MixEntry, holdMs: number, signal: AbortSignal, start: number, callIdSuffix: string) {
    this.driver = driver;
    this.key = key;
    this.callId = key + callIdSuffix;
    this.tag = tag;
    this.dial = dial;
    this.expect = entry.expect;
    this.holdMs = holdMs;
    this.signal = signal;
    this.start = start;
  }

  onTimer(now: number): void {
    this.driver.onTimer(this, now);
  }
}
