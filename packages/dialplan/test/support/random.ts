import { pick, seededRandom } from '@gwsim/common';

export { pick, seededRandom as prng };

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
