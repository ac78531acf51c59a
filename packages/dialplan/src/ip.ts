/**
 * IP literal recognition for alias hosts (RFC 3986 §3.2.2 IPv4address / IPv6address). Pure string checks:
 * dialplan imports nothing with I/O, so `node:net` is deliberately not used.
 */

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p));
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** An IPv6 address without brackets; an embedded IPv4 tail and a `%zone` suffix are accepted. */
export function isIPv6(text: string): boolean {
  let addr = text;
  const zone = addr.indexOf('%');
  if (zone >= 0) {
    if (zone === addr.length - 1) return false;
    addr = addr.slice(0, zone);
  }
  if (!addr.includes(':')) return false;
  let groups = 8;
  const lastColon = addr.lastIndexOf(':');
  const tail = addr.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    // Replace the dotted tail (two hextets' worth) by one placeholder hextet: 6 hextets + 1 placeholder.
    addr = addr.slice(0, lastColon + 1) + '0';
    groups = 7;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const count = (half: string): number | null => {
    if (half === '') return 0;
    const hextets = half.split(':');
    return hextets.every((h) => HEXTET.test(h)) ? hextets.length : null;
  };
  if (halves.length === 1) return count(addr) === groups;
  const left = count(halves[0]!);
  const right = count(halves[1]!);
  if (left === null || right === null) return false;
  return left + right < groups;
}

/** `[v6]` (a URI IPv6 reference) or a bare IPv4/IPv6 literal. */
export function isIpLiteral(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return isIPv6(host.slice(1, -1));
  return isIPv4(host) || isIPv6(host);
}
