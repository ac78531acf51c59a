import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, DnsServer, RCODE, RR_TYPE, sipZone, type OptRecord } from '../src/index.ts';
import { mulberry32, randomBytes } from './support/prng.ts';
import { frame, queryBytes, tcpExchange, udpExchange, udpQuery } from './support/net.ts';

const ADDRESS = '127.0.1.20';
const OPT: OptRecord = { name: '', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: Buffer.alloc(0) };

describe('DnsServer under garbage input', () => {
  let server: DnsServer;
  // The liveness probe retransmits like a real stub resolver: UDP may lose a datagram under a flood.
  const stillAnswers = async () => {
    let reply: Buffer | undefined;
    for (let attempt = 0; attempt < 3 && !reply; attempt++) {
      reply = await udpExchange(ADDRESS, server.port, queryBytes('_sip._udp.vc.example.com', RR_TYPE.SRV, 0x4242), 1000);
    }
    expect(reply, 'server stopped answering').toBeDefined();
    const res = decodeMessage(reply!);
    expect(res).toMatchObject({ id: 0x4242, rcode: RCODE.NOERROR, aa: true });
    expect(res.answers).toHaveLength(1);
  };
  const seen = () => server.dump().queries.total + server.dump().queries.dropped;
  /** Wait until the server has read everything queued for it (its counters stop moving). */
  const drained = async () => {
    for (let last = -1; last !== seen(); ) {
      last = seen();
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    server = await DnsServer.start({ address: ADDRESS, port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }] }) });
  });
  afterAll(() => server.close());

  it('survives 3000 random datagrams and keeps answering; every reply it sends is a well-formed response', async () => {
    const random = mulberry32(20240601);
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const before = seen();
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(random, Math.floor(random() * 600));
      if (random() < 0.5 && bytes.length >= 3) bytes[2]! &= 0x7f; // half of them claim to be queries (QR = 0)
      socket.send(bytes, server.port, ADDRESS);
      // Loopback UDP loses datagrams only when the receive buffer overflows; yielding every 20 sends keeps
      // the backlog far below the 208 KiB default, so nearly all must be read. 95% leaves room for a CI hiccup.
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await drained();
    expect(seen() - before).toBeGreaterThanOrEqual(2850);
    await stillAnswers();
    await new Promise((r) => setTimeout(r, 50));
    socket.close();
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) {
      const msg = decodeMessage(reply);
      expect(msg.qr).toBe(true);
      expect([RCODE.FORMERR, RCODE.NOTIMP, RCODE.REFUSED, RCODE.BADVERS, RCODE.NOERROR, RCODE.NXDOMAIN]).toContain(msg.rcode);
    }
  });

  it('answers FORMERR to every truncation of a valid query that keeps the header, and drops shorter ones', async () => {
    const valid = queryBytes('_sip._udp.vc.example.com', RR_TYPE.SRV, 0x0abc, { additionals: [OPT] });
    const before = server.dump().queries.dropped;
    for (let len = 0; len < 12; len++) expect(await udpExchange(ADDRESS, server.port, valid.subarray(0, len), 30)).toBeUndefined();
    expect(server.dump().queries.dropped - before).toBe(12);
    for (let len = 12; len < valid.length; len++) {
      const reply = await udpExchange(ADDRESS, server.port, valid.subarray(0, len), 2000);
      expect(reply, `prefix of ${len} bytes`).toBeDefined();
      expect(decodeMessage(reply!), `prefix of ${len} bytes`).toMatchObject({ id: 0x0abc, qr: true, rcode: RCODE.FORMERR, questions: [], answers: [] });
    }
    await stillAnswers();
  });

  it('answers FORMERR, echoing id, opcode and RD, to a query whose header is fine but whose body is not', async () => {
    const bad = Buffer.concat([Buffer.from('7777010000010000000000' + '00', 'hex'), Buffer.from([0x41, 0x41, 0x41])]);
    const reply = await udpQuery(ADDRESS, server.port, bad);
    expect(reply).toMatchObject({ id: 0x7777, qr: true, opcode: 0, rd: true, aa: false, rcode: RCODE.FORMERR });
    expect(server.dump().queries.byRcode.FORMERR).toBeGreaterThan(0);
  });

  it('never answers a packet that is itself a response (QR = 1), so two servers cannot loop', async () => {
    const response = queryBytes('px01.vc.example.com', RR_TYPE.A, 5);
    response[2]! |= 0x80;
    expect(await udpExchange(ADDRESS, server.port, response, 100)).toBeUndefined();
  });

  it('random bit flips of a valid query get a well-formed answer or none', async () => {
    const random = mulberry32(7);
    const valid = queryBytes('px01.vc.example.com', RR_TYPE.A, 0x1111, { additionals: [OPT] });
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(valid);
      bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
      const reply = await udpExchange(ADDRESS, server.port, bytes, bytes[2]! & 0x80 ? 20 : 2000);
      if (bytes[2]! & 0x80) expect(reply).toBeUndefined();
      else expect(decodeMessage(reply!).qr).toBe(true);
    }
    await stillAnswers();
  });

  it('random bit flips with every answer-changing fault set get a well-formed answer or none', async () => {
    server.faults.setAll([
      { name: '*.vc.example.com', kind: 'ttl', ttl: 1 },
      { name: '*.vc.example.com', type: 'SRV', kind: 'wrong-target', target: 'px01.vc.example.com', port: 1 },
      { name: '*.vc.example.com', type: 'A', kind: 'wrong-target', address: '::1' },
      { name: 'px01.vc.example.com', kind: 'every-nth', n: 2, otherwise: 'servfail' },
      { name: 'vc.example.com', kind: 'stale-target' },
      { name: 'vc.example.com', kind: 'nxdomain', times: 5 },
      { name: '*.vc.example.com', type: 'AAAA', kind: 'delay', delayMs: 1 },
    ]);
    try {
      const random = mulberry32(11);
      const names = ['px01.vc.example.com', '_sip._udp.vc.example.com', 'vc.example.com', 'nope.vc.example.com'];
      const types = [RR_TYPE.A, RR_TYPE.AAAA, RR_TYPE.SRV, RR_TYPE.NAPTR, RR_TYPE.ANY];
      for (let i = 0; i < 200; i++) {
        const bytes = queryBytes(names[i % names.length]!, types[i % types.length]!, i, { additionals: [OPT] });
        if (i % 2) bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
        const reply = await udpExchange(ADDRESS, server.port, bytes, bytes[2]! & 0x80 ? 20 : 2000);
        if (bytes[2]! & 0x80) expect(reply).toBeUndefined();
        else expect(decodeMessage(reply!).qr).toBe(true);
      }
    } finally {
      server.faults.clear();
    }
    await stillAnswers();
  });

  it('over TCP: FORMERR for a malformed framed query, connection closed for an unreadable one, server unharmed', async () => {
    const malformed = Buffer.from('2222000000010000000000000541', 'hex');
    const { replies } = await tcpExchange(ADDRESS, server.port, frame(malformed), 1);
    expect(decodeMessage(replies[0]!)).toMatchObject({ id: 0x2222, rcode: RCODE.FORMERR });
    const short = await tcpExchange(ADDRESS, server.port, frame(Buffer.from([1, 2, 3])), 1);
    expect(short).toEqual({ replies: [], closedByPeer: true });
    const random = mulberry32(99);
    await tcpExchange(ADDRESS, server.port, randomBytes(random, 5000), 100, 300);
    const ok = await tcpExchange(ADDRESS, server.port, frame(queryBytes('px01.vc.example.com', RR_TYPE.A, 3)), 1);
    expect(decodeMessage(ok.replies[0]!).answers).toMatchObject([{ address: '127.0.0.11' }]);
    await stillAnswers();
  });
});
