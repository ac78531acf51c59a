/**
 * RFC 3261 §17 timer values (Table 4), in milliseconds. T1/T2/T4 are set per transport and may be
 * overridden per UA or scenario; every other timer derives from them here and nowhere else.
 */
export interface TimerSettings {
  /** RTT estimate (default 500 ms). */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  T2: number;
  /** Maximum time a message remains in the network (default 5 s). */
  T4: number;
}

export const DEFAULT_TIMERS: Readonly<TimerSettings> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

export interface DerivedTimers extends TimerSettings {
  /** INVITE request retransmit, initially T1 (unreliable only). */
  A: number;
  /** INVITE transaction timeout, 64*T1. */
  B: number;
  /** Wait time for response retransmits after a non-2xx to INVITE: >32 s unreliable, 0 reliable. */
  D: number;
  /** Non-INVITE request retransmit, initially T1. */
  E: number;
  /** Non-INVITE transaction timeout, 64*T1. */
  F: number;
  /** INVITE response retransmit interval, initially T1. */
  G: number;
  /** Wait time for ACK receipt, 64*T1. */
  H: number;
  /** Wait time for ACK retransmits: T4 unreliable, 0 reliable. */
  I: number;
  /** Wait time for non-INVITE request retransmits: 64*T1 unreliable, 0 reliable. */
  J: number;
  /** Wait time for response retransmits: T4 unreliable, 0 reliable. */
  K: number;
  /** RFC 6026 Timer L: server Accepted state lifetime, 64*T1. */
  L: number;
  /** RFC 6026 Timer M: client Accepted state lifetime, 64*T1. */
  M: number;
}

export function deriveTimers(t: TimerSettings, reliable: boolean): DerivedTimers {
  return {
    ...t,
    A: t.T1,
    B: 64 * t.T1,
    D: reliable ? 0 : Math.max(32_000, 64 * t.T1),
    E: t.T1,
    F: 64 * t.T1,
    G: t.T1,
    H: 64 * t.T1,
    I: reliable ? 0 : t.T4,
    J: reliable ? 0 : 64 * t.T1,
    K: reliable ? 0 : t.T4,
    L: 64 * t.T1,
    M: 64 * t.T1,
  };
}
