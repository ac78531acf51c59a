import { describe, expect, it } from 'vitest';
import { connectionKey, ConnectionPool, newConnectionId, normalizeAddress, type PooledConnection } from '../src/index.ts';

function fake(remote: { address: string; port: number }, direction: 'inbound' | 'outbound' = 'inbound'): PooledConnection & { closed: boolean } {
  return {
    id: newConnectionId(),
    protocol: 'tcp',
    direction,
    local: { address: '127.0.21.1', port: 5060 },
    remote,
    lastActivity: Date.now(),
    bufferedBytes: 0,
    closed: false,
    done: Promise.resolve(),
    write: async () => {},
    close() {
      this.closed = true;
    },
  };
}

describe('ConnectionPool (reuse keyed by protocol + remote address + port)', () => {
  it('finds a connection by its remote address and by its aliases; keys include the protocol', () => {
    const pool = new ConnectionPool<PooledConnection>();
    const c = fake({ address: '127.0.21.9', port: 40000 });
    pool.add(c);
    pool.alias(c, { address: '127.0.21.9', port: 5060 });
    expect(pool.get('tcp', { address: '127.0.21.9', port: 40000 })).toBe(c);
    expect(pool.get('tcp', { address: '::ffff:127.0.21.9', port: 5060 })).toBe(c);
    expect(pool.get('tls', { address: '127.0.21.9', port: 5060 })).toBeUndefined();
    expect(pool.dump()[0]!.aliases).toEqual(['127.0.21.9:5060']);
    expect(connectionKey('ws', { address: '127.0.21.9', port: 80 })).toBe('ws 127.0.21.9 80');
    expect(normalizeAddress('::ffff:127.0.21.9')).toBe('127.0.21.9');
    expect(normalizeAddress('::1')).toBe('::1');
  });

  it('the latest connection to claim an alias wins; removing a connection drops only its own aliases', () => {
    const pool = new ConnectionPool<PooledConnection>();
    const a = fake({ address: '127.0.21.9', port: 40000 });
    const b = fake({ address: '127.0.21.9', port: 40001 });
    pool.add(a);
    pool.add(b);
    const alias = { address: '127.0.21.9', port: 5060 };
    pool.alias(a, alias);
    pool.alias(b, alias);
    expect(pool.get('tcp', alias)).toBe(b);
    pool.remove(a);
    expect(pool.get('tcp', alias)).toBe(b);
    pool.remove(b);
    expect(pool.get('tcp', alias)).toBeUndefined();
    expect(pool.size).toBe(0);
  });

  it('skips closed connections and shares one dial between concurrent callers', async () => {
    const pool = new ConnectionPool<PooledConnection>();
    const to = { address: '127.0.21.9', port: 5060 };
    const old = fake(to, 'outbound');
    pool.add(old);
    old.close();
    expect(pool.get('tcp', to)).toBeUndefined();
    let dials = 0;
    const dial = async () => {
      dials++;
      await new Promise((r) => setTimeout(r, 10));
      const c = fake(to, 'outbound');
      pool.add(c);
      return c;
    };
    const [x, y, z] = await Promise.all([pool.acquire('tcp', to, dial), pool.acquire('tcp', to, dial), pool.acquire('tcp', to, dial)]);
    expect(dials).toBe(1);
    expect(x).toBe(y);
    expect(y).toBe(z);
    expect(await pool.acquire('tcp', to, dial)).toBe(x);
    expect(dials).toBe(1);
  });

  it('reports connections idle for at least the given time', () => {
    const pool = new ConnectionPool<PooledConnection>();
    const c = fake({ address: '127.0.21.9', port: 1 });
    pool.add(c);
    expect(pool.idle(c.lastActivity + 999, 1000)).toEqual([]);
    expect(pool.idle(c.lastActivity + 1000, 1000)).toEqual([c]);
  });
});
