import { describe, expect, it } from 'vitest';
import { TypedEmitter, setListenerErrorHandler } from '../src/index.ts';

class Thing extends TypedEmitter<{ changed: [from: string, to: string]; closed: [] }> {
  fire(from: string, to: string) {
    this.emit('changed', from, to);
  }
}

describe('TypedEmitter', () => {
  it('delivers typed arguments to every listener, and off() stops delivery', () => {
    const t = new Thing();
    const seen: string[] = [];
    const off = t.on('changed', (a, b) => seen.push(`${a}->${b}`));
    t.once('changed', (a) => seen.push(`once:${a}`));
    t.fire('x', 'y');
    off();
    t.fire('y', 'z');
    expect(seen).toEqual(['x->y', 'once:x']);
    expect(t.listenerCount('changed')).toBe(0);
  });

  it('a throwing listener is reported and does not stop the others or the emitter', () => {
    const errors: string[] = [];
    setListenerErrorHandler((err, event) => errors.push(`${event}:${(err as Error).message}`));
    const t = new Thing();
    const seen: string[] = [];
    t.on('changed', () => {
      throw new Error('boom');
    });
    t.on('changed', (a) => seen.push(a));
    expect(() => t.fire('a', 'b')).not.toThrow();
    expect(seen).toEqual(['a']);
    expect(errors).toEqual(['changed:boom']);
  });
});
