/**
 * Moves a scenario onto other loopback addresses, so tests (and parallel runs) can use a fixture beside
 * another run of it: every `127.0.0.N` in the text becomes `<block>.<N + hostOffset>`. Ports stay (they are
 * per address). Works on the text, so dial strings, gateway IPs and URLs move with the hosts.
 */
export function relocateScenarioText(text: string, block: string, hostOffset = 0): string {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(block)) throw new Error(`block must look like 127.x.y, got "${block}"`);
  return text.replace(/\b127\.0\.0\.(\d{1,3})\b/g, (_, n: string) => {
    const host = Number(n) + hostOffset;
    if (host < 1 || host > 254) throw new Error(`127.0.0.${n} + ${hostOffset} is not a host address`);
    return `${block}.${host}`;
  });
}
