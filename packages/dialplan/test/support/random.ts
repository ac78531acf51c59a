/** Deterministic PRNG (mulberry32) for property-style tests: a failing seed reproduces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** A random string built from alias-ish fragments and arbitrary characters (incl. non-BMP and controls). */
export function randomAlias(rand: () => number): string {
  const fragments = [
    'sip:', 'sips:', 'SIP:', 'tel:', 'h323:', 'mailto:', '@', '@@', ':', ';', ';transport=tls', '?', '?x=y', '=', '<', '>', '"', '\\',
    '[', ']', '[::1]', '[2001:db8::1]:5061', '127.0.0.1', '10.1.1.1:5060', '1234567890123', 'alice', 'vc.example.com', '%', '%40',
    '%C3%A9', '%zz', '%E0%A4', ' ', '\t', '\n', '\u0000', '💥', 'é', '.', '-', '+', '/', '*', '#', '__proto__', 'constructor',
  ];
  let out = '';
  const n = Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) {
    out += rand() < 0.8 ? pick(rand, fragments) : String.fromCharCode(Math.floor(rand() * 0x3000));
  }
  return out;
}
