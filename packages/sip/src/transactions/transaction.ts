import { GwsimError, TypedEmitter, type Clock, type TimerHandle } from '@gwsim/common';
import type { DerivedTimers } from '../timers.ts';
import type { Transport, TransportAddress } from '../transport.ts';

export type TransactionState = 'calling' | 'trying' | 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export type TransactionEvents = {
  stateChange: [from: TransactionState, to: TransactionState];
};

export interface TransactionContext {
  transport: Transport;
  clock: Clock;
  timers: DerivedTimers;
}

/**
 * Shared machinery of the four RFC 3261 §17 state machines: an explicit transition table checked on
 * every move, named timers that are all cancelled on termination, and sends that never throw (a transport
 * failure is reported to the transaction user instead, §17.1.4 / §17.2.4).
 */
export abstract class Transaction extends TypedEmitter<TransactionEvents> {
  readonly id: string;
  #state: TransactionState;
  #timers = new Map<string, TimerHandle>();
  protected readonly ctx: TransactionContext;
  protected abstract readonly table: Readonly<Partial<Record<TransactionState, readonly TransactionState[]>>>;

  constructor(id: string, initial: TransactionState, ctx: TransactionContext) {
    super();
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

  protected transition(to: TransactionState): void {
    const from = this.#state;
    if (from === to) return;
    if (!this.table[from]?.includes(to)) {
      throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `${this.constructor.name} ${this.id}: illegal transition ${from} -> ${to}`);
    }
    this.#state = to;
    if (to === 'terminated') this.clearTimers();
    this.emit('stateChange', from, to);
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.#timers.get(name)?.cancel();
    this.#timers.set(
      name,
      this.ctx.clock.setTimeout(() => {
        this.#timers.delete(name);
        if (!this.terminated) fire();
      }, ms),
    );
  }

  protected stopTimer(name: string): void {
    this.#timers.get(name)?.cancel();
    this.#timers.delete(name);
  }

  protected clearTimers(): void {
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }

  /** Send raw bytes; resolves false (never rejects) when the transport failed. */
  protected async sendRaw(data: Buffer, to: TransportAddress): Promise<boolean> {
    try {
      await this.ctx.transport.send(data, to);
      return true;
    } catch (err) {
      this.onTransportError(err as Error);
      return false;
    }
  }

  protected abstract onTransportError(err: Error): void;

  /** Terminate at once (UA shutdown). */
  abort(): void {
    if (!this.terminated) {
      this.#state = 'terminated';
      this.clearTimers();
    }
  }
}
