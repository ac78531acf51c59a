/**
 * Stub resolver transport (RFC 1034 §5.3.1, RFC 1035 §4.2): one question over UDP to the configured servers
 * with timeout and retries, TCP when the reply is truncated (RFC 7766 §5), replies accepted only when id,
 * source and question match (RFC 5452 §9.1). Positive answers are cached for their TTL (RFC 1035 §7.4),
 * NXDOMAIN and NODATA for the SOA's negative TTL (RFC 2308 §5).
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { ConfigError, errorMessage, silentLogger, systemClock, type Clock, type Logger } from '@gwsim/common';
import { DnsError } from './dns-error.ts';
import { decodeMessage, emptyMessage, encodeMessage, sameName, type DnsMessage } from './message.ts';
import { RCODE, rcodeName, RR_CLASS, typeName } from './rr.ts';

export interface DnsServerAddress {
  address: string;
  port: number;
}

export interface DnsClientOptions {
  servers: DnsServerAddress[];
  /** Per-attempt wait for an answer (ms); default 2000. */
  timeoutMs?: number;
  /** Extra rounds over the server list after the first; default 1. */
  retries?: number;
  /** Cache positive answers for their TTL; default true. */
  cache?: boolean;
  /**
   * Also cache NXDOMAIN and NODATA answers for min(SOA TTL, SOA minimum) (RFC 2308 §3, §5); answers without
   * an SOA are not cached. Default true when `cache` is on.
   */
  negativeCache?: boolean;
  /** Cap on the negative-cache TTL in seconds (RFC 2308 §5 suggests 1-3 hours); default 10 800. */
  maxNegativeTtl?: number;
  clock?: Clock;
  logger?: Logger;
}

/** A response together with who gave it. */
export interface DnsAnswer {
  message: DnsMessage;
  server: string;
  transport: 'udp' | 'tcp';
}

export interface DnsClientDump {
  servers: string[];
  queries: number;
  tcpFallbacks: number;
  timeouts: number;
  cacheHits: number;
  /** Of `cacheHits`, how many returned a cached NXDOMAIN or NODATA. */
  negativeCacheHits: number;
  cacheEntries: number;
}

class ExchangeTimeout extends Error {}

export class DnsClient {
  readonly servers: readonly DnsServerAddress[];
  readonly timeoutMs: number;
  readonly retries: number;
  #clock: Clock;
  #log: Logger;
  #cache: Map<string, { expires: number; answer: DnsAnswer; negative: boolean }> | undefined;
  #negative: boolean;
  #maxNegativeTtl: number;
  #stats = { queries: 0, tcpFallbacks: 0, timeouts: 0, cacheHits: 0, negativeCacheHits: 0 };

  constructor(options: DnsClientOptions) {
    if (!Array.isArray(options?.servers) || options.servers.length === 0) throw new ConfigError('servers', 'expected at least one { address, port }');
    this.servers = options.servers.map((s, i) => {
      if (typeof s?.address !== 'string' || !net.isIP(s.address)) throw new ConfigError(`servers[${i}].address`, `expected an IP address, got ${JSON.stringify(s?.address)}`);
      if (!Number.isInteger(s.port) || s.port < 1 || s.port > 0xffff) throw new ConfigError(`servers[${i}].port`, `expected an integer from 1 to 65535, got ${JSON.stringify(s.port)}`);
      return Object.freeze({ address: s.address, port: s.port });
    });
    this.timeoutMs = options.timeoutMs ?? 2000;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1) throw new ConfigError('timeoutMs', 'expected a positive integer');
    this.retries = options.retries ?? 1;
    if (!Number.isInteger(this.retries) || this.retries < 0) throw new ConfigError('retries', 'expected a non-negative integer');
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#cache = options.cache === false ? undefined : new Map();
    this.#negative = options.negativeCache !== false;
    this.#maxNegativeTtl = options.maxNegativeTtl ?? 10_800;
    if (!Number.isInteger(this.#maxNegativeTtl) || this.#maxNegativeTtl < 0) throw new ConfigError('maxNegativeTtl', 'expected a non-negative integer (seconds)');
  }

  /**
   * Ask for (name, type). Resolves with any NOERROR or NXDOMAIN answer; throws DnsError when every server
   * timed out, was unreachable, or answered with another rcode.
   */
  async query(name: string, type: number): Promise<DnsAnswer> {
    const key = `${name.toLowerCase()}/${type}`;
    const cached = this.#cache?.get(key);
    if (cached && cached.expires > this.#clock.now()) {
      this.#stats.cacheHits++;
      if (cached.negative) this.#stats.negativeCacheHits++;
      return cached.answer;
    }
    if (cached) this.#cache!.delete(key);
    this.#stats.queries++;
    const label = `${name} ${typeName(type)}`;
    const refused = new Map<string, number>();
    let timedOut = 0;
    let lastError: unknown;
    for (let round = 0; round <= this.retries; round++) {
      for (const server of this.servers) {
        const where = `${server.address}:${server.port}`;
        if (refused.has(where)) continue;
        const id = randomInt(0x10000);
        const query = encodeMessage({ ...emptyMessage(id), rd: true, questions: [{ name, type, class: RR_CLASS.IN }] });
        let answer: DnsAnswer;
        try {
          const udp = await this.#exchangeUdp(server, query, id, name, type);
          answer = { message: udp, server: where, transport: 'udp' };
          if (udp.tc) {
            this.#stats.tcpFallbacks++;
            answer = { message: await this.#exchangeTcp(server, query, id, name, type), server: where, transport: 'tcp' };
          }
        } catch (err) {
          if (err instanceof ExchangeTimeout) timedOut++;
          lastError = err;
          this.#log.debug('DNS exchange failed', { query: label, server: where, error: errorMessage(err) });
          continue;
        }
        const rcode = answer.message.rcode;
        if (rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN) {
          this.#remember(key, answer);
          return answer;
        }
        refused.set(where, rcode); // SERVFAIL, REFUSED, ...: this server will not do better on a retry
      }
    }
    const qtype = typeName(type);
    if (timedOut > 0) {
      this.#stats.timeouts++;
      const servers = this.servers.map((s) => `${s.address}:${s.port}`).join(', ');
      const attempts = `${timedOut} attempt${timedOut > 1 ? 's' : ''}`;
      throw new DnsError('timeout', name, qtype, `DNS query for ${label} timed out after ${this.timeoutMs} ms to server ${servers} (${attempts})`, { cause: lastError });
    }
    if (refused.size > 0) {
      const detail = [...refused].map(([s, rc]) => `${s} answered ${rcodeName(rc)}`).join(', ');
      throw new DnsError('server-error', name, qtype, `DNS query for ${label} failed: ${detail}`);
    }
    const servers = this.servers.map((s) => `${s.address}:${s.port}`).join(', ');
    throw new DnsError('unreachable', name, qtype, `DNS query for ${label} could not reach server ${servers}: ${errorMessage(lastError)}`, { cause: lastError });
  }

  dump(): DnsClientDump {
    return {
      servers: this.servers.map((s) => `${s.address}:${s.port}`),
      ...this.#stats,
      cacheEntries: this.#cache?.size ?? 0,
    };
  }

  /** Drop every cached answer. */
  clearCache(): void {
    this.#cache?.clear();
  }

  #remember(key: string, answer: DnsAnswer): void {
    if (!this.#cache) return;
    const { rcode, answers, authorities } = answer.message;
    if (rcode === RCODE.NOERROR && answers.length > 0) {
      const ttl = Math.min(...answers.map((r) => ('ttl' in r ? r.ttl : 0)));
      if (ttl > 0) this.#cache.set(key, { expires: this.#clock.now() + ttl * 1000, answer, negative: false });
      return;
    }
    // RFC 2308: NXDOMAIN, or NOERROR without answers (NODATA); the negative TTL comes from the SOA.
    if (!this.#negative || (rcode !== RCODE.NXDOMAIN && rcode !== RCODE.NOERROR)) return;
    const soa = authorities.find((r) => r.type === 'SOA');
    if (!soa) return;
    const ttl = Math.min(soa.ttl, soa.minimum, this.#maxNegativeTtl);
    if (ttl > 0) this.#cache.set(key, { expires: this.#clock.now() + ttl * 1000, answer, negative: true });
  }

  /** True when `reply` answers our query (RFC 5452 §9.1); an error reply may omit the question. */
  #matches(reply: DnsMessage, id: number, name: string, type: number): boolean {
    if (!reply.qr || reply.id !== id) return false;
    const q = reply.questions[0];
    if (!q) return reply.rcode !== RCODE.NOERROR;
    return reply.questions.length === 1 && q.type === type && sameName(q.name, name);
  }

  #exchangeUdp(server: DnsServerAddress, query: Buffer, id: number, name: string, type: number): Promise<DnsMessage> {
    const socket = dgram.createSocket(net.isIPv6(server.address) ? 'udp6' : 'udp4');
    return this.#exchange((finish) => {
      socket.on('error', finish);
      socket.on('message', (packet) => {
        let reply: DnsMessage;
        try {
          reply = decodeMessage(packet);
        } catch {
          return; // not for us or garbage: keep waiting (RFC 5452 §9.1)
        }
        if (this.#matches(reply, id, name, type)) finish(undefined, reply);
      });
      // A connected socket only receives from the server, and gets ECONNREFUSED from ICMP port unreachable.
      socket.connect(server.port, server.address, () => socket.send(query, (err) => err && finish(err)));
      return () => {
        try {
          socket.close();
        } catch {
          // already closed after an error
        }
      };
    });
  }

  /** RFC 1035 §4.2.2: two-byte length prefix. */
  #exchangeTcp(server: DnsServerAddress, query: Buffer, id: number, name: string, type: number): Promise<DnsMessage> {
    return this.#exchange((finish) => {
      const socket = net.connect({ host: server.address, port: server.port });
      let buffered = Buffer.alloc(0);
      socket.on('error', finish);
      socket.on('close', () => finish(new Error(`TCP connection to ${server.address}:${server.port} closed before the answer`)));
      socket.on('connect', () => {
        const frame = Buffer.alloc(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        socket.write(frame);
      });
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const packet = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
          buffered = buffered.subarray(2 + packet.length);
          try {
            const reply = decodeMessage(packet);
            if (this.#matches(reply, id, name, type)) return finish(undefined, reply);
          } catch (err) {
            return finish(err);
          }
        }
      });
      return () => socket.destroy();
    });
  }

  /** Run one exchange with the per-attempt timeout; `start` wires sockets and returns their cleanup. */
  #exchange(start: (finish: (err: unknown, reply?: DnsMessage) => void) => () => void): Promise<DnsMessage> {
    return new Promise((resolve, reject) => {
      let done = false;
      let cleanup: (() => void) | undefined;
      const finish = (err: unknown, reply?: DnsMessage) => {
        if (done) return;
        done = true;
        timer.cancel();
        cleanup?.();
        if (reply) resolve(reply);
        else reject(err);
      };
      const timer = this.#clock.setTimeout(() => finish(new ExchangeTimeout(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      try {
        cleanup = start(finish);
      } catch (err) {
        finish(err);
      }
      if (done) cleanup?.();
    });
  }
}
