/**
 * One typed event emitter for the whole project. Events are declared as a map `{ name: [args] }`.
 * `emit` is safe: a listener that throws is reported to `onListenerError` and never propagates into the
 * state machine that emitted the event.
 */
export type EventMap = { [name: string]: unknown[] };
type Listener<A extends unknown[]> = (...args: A) => void;

export type ListenerErrorHandler = (err: unknown, event: string) => void;

let listenerErrorHandler: ListenerErrorHandler = (err, event) => {
  // Reported, never rethrown: observers must not be able to break protocol state.
  process.emitWarning(`listener for "${event}" threw: ${err instanceof Error ? err.stack : String(err)}`);
};

/** Replace the process-wide handler for throwing listeners (tests use it to assert on them). */
export function setListenerErrorHandler(handler: ListenerErrorHandler): void {
  listenerErrorHandler = handler;
}

export class TypedEmitter<E extends EventMap> {
  #listeners = new Map<keyof E, Set<Listener<never>>>();

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    const off = this.on(event, ((...args: E[K]) => {
      off();
      listener(...args);
    }) as Listener<E[K]>);
    return off;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E[K]>)(...args);
      } catch (err) {
        listenerErrorHandler(err, String(event));
      }
    }
  }
}
