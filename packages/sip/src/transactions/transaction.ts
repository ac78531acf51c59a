import { GwsimError, TypedEmitter, type Clock, type TimerHandle } from '@gwsim/common';
import type { DerivedTimers } from '../timers.ts';
import type { Transport, TransportAddress } from '../transport.ts';

export type TransactionState = 'calling' | 'trying' | 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export type TransactionEvents = {
  stateChange: [from: TransactionState, to: TransactionState];
};

export type TransitionTable = Readonly<Partial<Record<TransactionState, readonly TransactionState[]>>>;

export interface TransactionContext {
  transport: Transport;
  clock: Clock;
  timers: DerivedTimers;
  /** Where an exception thrown inside a timer or a TU callback goes: reported, never rethrown. */
  report(error: unknown, where: string): void;
  /** The transaction layer's bookkeeping (drop it from its maps); called once, on termination. */
  onTerminated?(tx: Transaction): void;
}

/** Observers only: the emitter exists once somebody listens (most transactions never get one). */
class TransactionEmitter extends TypedEmitter<TransactionEvents> {
  fire(from: TransactionState, to: TransactionState): void {
    this.emit('stateChange', from, to);
  }
}

/**
 * Shared machinery of the four RFC 3261 §17 state machines: an explicit transition table checked on
 * every move, named timers that are all cancelled on termination, and sends that never throw (a transport
 * failure is reported to the transaction user instead, §17.1.4 / §17.2.4).
 *
 * Kept small on purpose: a loaded UA holds one per request for 64*T1 (Timers J and L), so there is no
 * per-instance map or emitter — at most two timers run at once (A+B, E+F, G+H), held in two slots.
 */
export abstract class Transaction {
  readonly id: string;
  /** @internal The transaction layer's map keys (match key; §8.2.2.2 merge key or null). */
  layerKey = '';
  /** @internal */
  mergeKey: string | null = null;
  /** @internal Another live server transaction has this one's From tag, Call-ID and CSeq (§8.2.2.2). */
  merged = false;
  #state: TransactionState;
  #events: TransactionEmitter | null = null;
  #name0: string | null = null;
  #handle0: TimerHandle | null = null;
  #name1: string | null = null;
  #handle1: TimerHandle | null = null;
  protected readonly ctx: TransactionContext;
  protected abstract get table(): TransitionTable;

  constructor(id: string, initial: TransactionState, ctx: TransactionContext) {
    this.id = id;
    this.#state = initial;
    this.ctx = ctx;
  }

  get state(): TransactionState {
    return this.#state;
  }

  get terminated(): boolean {
    return this.#state === 'terminated';
  }

  /** Observe state changes (`stateChange`). Returns the unsubscribe function. */
  on(event: 'stateChange', listener: (from: TransactionState, to: TransactionState) => void): () => void {
    return (this.#events ??= new TransactionEmitter()).on(event, listener);
  }

  protected transition(to: TransactionState): void {
    const from = this.#state;
    if (from === to) return;
    if (!this.table[from]?.includes(to)) {
      throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `${this.constructor.name} ${this.id}: illegal transition ${from} -> ${to}`);
    }
    this.#state = to;
    if (to === 'terminated') {
      this.clearTimers();
      this.ctx.onTerminated?.(this);
    }
    this.#events?.fire(from, to);
  }

  /**
   * Start (or restart) a named timer. Whatever `fire` throws is reported and swallowed: a timer must never
   * raise an uncaught exception (a lost ACK or response is an ordinary event, not a crash).
   */
  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const slot = this.#name0 === null ? 0 : this.#name1 === null ? 1 : -1;
    if (slot < 0) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `${this.constructor.name}: a third concurrent timer (${name}) is not expected`);
    const handle = this.ctx.clock.setTimeout(() => {
      if (slot === 0 ? this.#handle0 !== handle : this.#handle1 !== handle) return;
      this.#clearSlot(slot);
      if (this.terminated) return;
      try {
        fire();
      } catch (err) {
        this.ctx.report(err, `${this.constructor.name} timer ${name}`);
      }
    }, ms);
    if (slot === 0) {
      this.#name0 = name;
      this.#handle0 = handle;
    } else {
      this.#name1 = name;
      this.#handle1 = handle;
    }
  }

  /**
   * Timers D, I, J, K, L, M: end the transaction after `ms`. The closure is made here, in a scope that holds
   * nothing but the transaction: made inside a handler it would share that handler's V8 context and keep the
   * request or response and the TU alive until the timer fires (32 s for M and L).
   */
  protected terminateAfter(name: string, ms: number): void {
    this.startTimer(name, ms, () => this.transition('terminated'));
  }

  #clearSlot(slot: number): void {
    if (slot === 0) {
      this.#name0 = null;
      this.#handle0 = null;
    } else {
      this.#name1 = null;
      this.#handle1 = null;
    }
  }

  protected stopTimer(name: string): void {
    if (this.#name0 === name) {
      this.#handle0?.cancel();
      this.#clearSlot(0);
    } else if (this.#name1 === name) {
      this.#handle1?.cancel();
      this.#clearSlot(1);
    }
  }

  protected clearTimers(): void {
    this.#handle0?.cancel();
    this.#handle1?.cancel();
    this.#clearSlot(0);
    this.#clearSlot(1);
  }

  /** Call into the transaction user; an exception there is reported, never propagated into the state machine. */
  protected callUser(fn: () => void, where: string): void {
    try {
      fn();
    } catch (err) {
      this.ctx.report(err, `${this.constructor.name} user ${where}`);
    }
  }

  /** Send raw bytes; resolves false (never rejects) when the transport failed. */
  protected sendRaw(data: Buffer, to: TransportAddress): Promise<boolean> {
    let sent: Promise<void>;
    try {
      sent = this.ctx.transport.send(data, to);
    } catch (err) {
      this.#transportFailed(err as Error);
      return Promise.resolve(false);
    }
    return sent.then(
      () => true,
      (err: unknown) => {
        this.#transportFailed(err as Error);
        return false;
      },
    );
  }

  #transportFailed(err: Error): void {
    try {
      this.onTransportError(err);
    } catch (e) {
      this.ctx.report(e, `${this.constructor.name} transport error handling`);
    }
  }

  protected abstract onTransportError(err: Error): void;

  /** Terminate at once (UA shutdown), without callbacks to the user. */
  abort(): void {
    if (!this.terminated) {
      this.#state = 'terminated';
      this.clearTimers();
    }
  }
}
