/**
 * SRTP per-packet cost: gwsim's SrtpContext protect/unprotect beside werift 0.24.4's SrtpSession
 * encrypt/decrypt (the path werift's RTCRtpSender/Receiver take), both profiles, 160- and 1100-byte RTP
 * packets (12-byte header + one-byte-header MID extension, as a WebRTC leg sends them), in the same run.
 *
 *   npx tsx bench/srtp.ts [rounds=7] [packets=4000]
 *
 * Each round runs every contender over `packets` packets, taking turns in chunks of 250 packets, so load
 * from other processes and garbage collection hit them alike; figures are medians over rounds of
 * wall-clock time per packet (one thread, so this is its CPU time on an idle machine: process.cpuUsage
 * would also count V8's parallel GC helper threads), after one warm-up round.
 *
 * werift encrypt is measured twice: handed a ready RtpHeader and payload (its best case), and from the
 * RTP bytes a plain-RTP leg delivers (RtpPacket.deSerialize, then encrypt), which is what our protect()
 * replaces. Unprotect works in place, so each round unprotects fresh copies made outside the timed loop,
 * into a fresh context (the replay window would refuse a second pass).
 *
 * werift is a dependency of @gwsim/media, not of the workspace root: it is loaded from there.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SrtpContext, srtpKeyLengths, type SrtpMasterKeys, type SrtpProfileName } from '@gwsim/media';

/** The part of werift's API this benchmark uses. */
interface Werift {
  RtpHeader: new (props: Record<string, unknown>) => { sequenceNumber: number };
  RtpPacket: { deSerialize(buf: Buffer): { header: unknown; payload: Buffer } };
  SrtpSession: new (config: { keys: Record<string, Buffer>; profile: number }) => {
    encrypt(payload: Buffer, header: unknown): Buffer;
    decrypt(buf: Buffer): Buffer;
  };
}

async function loadWerift(): Promise<Werift> {
  const fromMedia = createRequire(new URL('../packages/media/package.json', import.meta.url));
  const cjsEntry = fromMedia.resolve('werift'); // <werift>/lib/webrtc/src/index.js; the ESM build is <werift>/lib/index.mjs
  return (await import(pathToFileURL(path.join(path.dirname(cjsEntry), '../../index.mjs')).href)) as Werift;
}

const PROFILE_IDS: Record<SrtpProfileName, number> = { AES_CM_128_HMAC_SHA1_80: 0x0001, AEAD_AES_128_GCM: 0x0007 };
const SSRC = 0x5eed0001;
const HEADER_BYTES = 20;

interface Case {
  profile: SrtpProfileName;
  size: number;
  keys: SrtpMasterKeys;
  raw: Buffer;
  payload: Buffer;
  header: { sequenceNumber: number };
  /** Packets 0 … n−1 as the far end would send them. */
  sealed: Buffer[];
}

function makeCase(werift: Werift, profile: SrtpProfileName, size: number, packets: number): Case {
  const { key, salt } = srtpKeyLengths(profile);
  const keys = { masterKey: randomBytes(key), masterSalt: randomBytes(salt) };
  const payload = randomBytes(size - HEADER_BYTES);
  const header = new werift.RtpHeader({ payloadType: 111, sequenceNumber: 0, timestamp: 0, ssrc: SSRC, extensions: [{ id: 4, payload: Buffer.from('0') }] });
  const raw = Buffer.alloc(size);
  raw[0] = 0x90; // V=2, X=1
  raw[1] = 111;
  raw.writeUInt32BE(SSRC, 8);
  raw.writeUInt16BE(0xbede, 12);
  raw.writeUInt16BE(1, 14);
  raw[16] = 0x40; // id 4, 1 byte
  raw[17] = 0x30; // '0'
  payload.copy(raw, HEADER_BYTES);
  const sender = new SrtpContext(profile, keys);
  const sealed: Buffer[] = [];
  for (let seq = 0; seq < packets; seq++) {
    raw.writeUInt16BE(seq, 2);
    sealed.push(sender.protect(raw));
  }
  return { profile, size, keys, raw, payload, header, sealed };
}

type Contender = 'ours protect' | 'werift encrypt' | 'werift parse + encrypt' | 'ours unprotect' | 'werift decrypt';
const CONTENDERS: readonly Contender[] = ['ours protect', 'werift encrypt', 'werift parse + encrypt', 'ours unprotect', 'werift decrypt'];

/** Handles packets [from, to) of the case; returns the bytes it produced. */
type Runner = (from: number, to: number) => number;

/** A contender's state for one round: a fresh context (unprotect: and fresh copies to work on in place). */
function runner(werift: Werift, c: Case, who: Contender, packets: number): Runner {
  const weriftSession = () =>
    new werift.SrtpSession({
      keys: { localMasterKey: c.keys.masterKey, localMasterSalt: c.keys.masterSalt, remoteMasterKey: c.keys.masterKey, remoteMasterSalt: c.keys.masterSalt },
      profile: PROFILE_IDS[c.profile],
    });
  switch (who) {
    case 'ours protect': {
      const ctx = new SrtpContext(c.profile, c.keys);
      return (from, to) => {
        let bytes = 0;
        for (let seq = from; seq < to; seq++) {
          c.raw.writeUInt16BE(seq, 2);
          bytes += ctx.protect(c.raw).length;
        }
        return bytes;
      };
    }
    case 'werift encrypt': {
      const session = weriftSession();
      return (from, to) => {
        let bytes = 0;
        for (let seq = from; seq < to; seq++) {
          c.header.sequenceNumber = seq;
          bytes += session.encrypt(c.payload, c.header).length;
        }
        return bytes;
      };
    }
    case 'werift parse + encrypt': {
      const session = weriftSession();
      return (from, to) => {
        let bytes = 0;
        for (let seq = from; seq < to; seq++) {
          c.raw.writeUInt16BE(seq, 2);
          const p = werift.RtpPacket.deSerialize(c.raw);
          bytes += session.encrypt(p.payload, p.header).length;
        }
        return bytes;
      };
    }
    case 'ours unprotect': {
      const ctx = new SrtpContext(c.profile, c.keys);
      const copies = c.sealed.slice(0, packets).map((b) => Buffer.from(b));
      return (from, to) => {
        let bytes = 0;
        for (let i = from; i < to; i++) {
          const n = ctx.unprotect(copies[i]!);
          if (n < 0) throw new Error(`unprotect failed: ${n}`);
          bytes += n;
        }
        return bytes;
      };
    }
    case 'werift decrypt': {
      const session = weriftSession();
      return (from, to) => {
        let bytes = 0;
        for (let i = from; i < to; i++) bytes += session.decrypt(c.sealed[i]!).length;
        return bytes;
      };
    }
  }
}

/**
 * µs per packet for each contender over one round of `packets` packets, run in chunks of CHUNK packets with
 * the contenders taking turns (starting one further along each chunk), so that the scavenges one
 * contender's garbage causes fall on all of them alike rather than on whoever runs next.
 */
function round(werift: Werift, c: Case, packets: number): Map<Contender, number> {
  const runners = CONTENDERS.map((who) => [who, runner(werift, c, who, packets)] as const);
  const ms = new Map<Contender, number>(CONTENDERS.map((who) => [who, 0]));
  let sink = 0;
  for (let from = 0, turn = 0; from < packets; from += CHUNK, turn++) {
    const to = Math.min(from + CHUNK, packets);
    for (let k = 0; k < runners.length; k++) {
      const [who, run] = runners[(turn + k) % runners.length]!;
      const t0 = performance.now();
      sink += run(from, to);
      ms.set(who, ms.get(who)! + performance.now() - t0);
    }
  }
  if (sink <= 0) throw new Error('benchmark produced nothing');
  return new Map([...ms].map(([who, t]) => [who, (t * 1000) / packets]));
}

const CHUNK = 250;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 7);
  const packets = Math.min(Number(process.argv[3] ?? 4000), 65536);
  const werift = await loadWerift();
  const cases: Case[] = [];
  for (const profile of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'] as const) for (const size of [160, 1100]) cases.push(makeCase(werift, profile, size, packets));
  const results = new Map<string, number[]>();
  for (let r = -1; r < rounds; r++) {
    for (const c of cases) {
      const us = round(werift, c, packets);
      if (r < 0) continue;
      for (const [who, x] of us) {
        const key = `${c.profile} ${c.size} ${who}`;
        results.set(key, [...(results.get(key) ?? []), x]);
      }
    }
  }
  console.log(`SRTP, ${rounds} rounds of ${packets} packets per contender in chunks of ${CHUNK}; node ${process.version}; wall-clock µs per packet (median, [min–max])`);
  console.log('| Profile | RTP bytes | Operation | gwsim SrtpContext | werift SrtpSession | werift / gwsim |');
  console.log('|---|---|---|---|---|---|');
  const cell = (xs: number[]) => `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]`;
  for (const c of cases) {
    for (const [op, ours, theirs] of [
      ['protect / encrypt (ready header)', 'ours protect', 'werift encrypt'],
      ['protect / parse + encrypt', 'ours protect', 'werift parse + encrypt'],
      ['unprotect / decrypt', 'ours unprotect', 'werift decrypt'],
    ] as const) {
      const o = results.get(`${c.profile} ${c.size} ${ours}`)!;
      const w = results.get(`${c.profile} ${c.size} ${theirs}`)!;
      console.log(`| ${c.profile} | ${c.size} | ${op} | ${cell(o)} | ${cell(w)} | ${(median(w) / median(o)).toFixed(1)}× |`);
    }
  }
}

await main();
