import { ConfigError } from '@gwsim/common';
import type { TransportProtocol } from './transport.ts';

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

/** Names of the derived timers (RFC 3261 Table 4; L and M from RFC 6026). */
export type DerivedTimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

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
  /**
   * §17.2.1: how long an INVITE server transaction waits for the TU's first response before it sends
   * 100 Trying itself (the RFC's "200 ms"); 0 sends 100 Trying at once.
   */
  trying: number;
}

/** Timer overrides: T1/T2/T4 and, rarely needed, any derived timer directly. */
export type TimerConfig = Partial<TimerSettings> & Partial<Record<DerivedTimerName | 'trying', number>>;

/** Overrides for every transport, with per-protocol overrides on top (`{ T1: 100, tcp: { B: 5000 } }`). */
export type TimerOptions = TimerConfig & { byTransport?: Partial<Record<TransportProtocol, TimerConfig>> };

/** RFC 3261 Table 4, for one transport. Unreliable transports keep the wait states; reliable ones skip them. */
export function deriveTimers(t: TimerSettings, reliable: boolean, overrides: TimerConfig = {}): DerivedTimers {
  const derived: DerivedTimers = {
    T1: t.T1,
    T2: t.T2,
    T4: t.T4,
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
    trying: 200,
  };
  for (const name of DERIVED_NAMES) {
    const v = overrides[name];
    if (v !== undefined) derived[name] = v;
  }
  return Object.freeze(derived);
}

const DERIVED_NAMES = ['A', 'B', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'trying'] as const;

/**
 * Resolve the timers for one transport from UA-level options: defaults, then the common overrides, then
 * the overrides for `protocol`. Every value must be a finite number ≥ 0 (T1/T2 > 0).
 */
export function timersFor(options: TimerOptions | undefined, protocol: TransportProtocol, reliable: boolean): DerivedTimers {
  const common: TimerConfig = { ...options };
  delete (common as TimerOptions).byTransport;
  const merged: TimerConfig = { ...common, ...options?.byTransport?.[protocol] };
  for (const [k, v] of Object.entries(merged)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || ((k === 'T1' || k === 'T2') && v === 0)) {
      throw new ConfigError(`timers.${k}`, `must be a finite number of milliseconds${k === 'T1' || k === 'T2' ? ' > 0' : ' >= 0'}, got ${String(v)}`);
    }
  }
  const base: TimerSettings = { T1: merged.T1 ?? DEFAULT_TIMERS.T1, T2: merged.T2 ?? DEFAULT_TIMERS.T2, T4: merged.T4 ?? DEFAULT_TIMERS.T4 };
  return deriveTimers(base, reliable, merged);
}
