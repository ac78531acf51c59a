/** Target selection order for SRV records, RFC 2782 "Usage rules" (priority, then weighted random). */

export interface Weighted {
  priority: number;
  weight: number;
}

/**
 * Return every record in the order a client should try them: ascending priority; inside one priority,
 * repeatedly pick by weight (running sums against a uniform integer in [0, total]), weight-0 records placed
 * first so they get the small chance the RFC gives them. `random` returns [0, 1), like Math.random.
 */
export function orderSrv<T extends Weighted>(records: readonly T[], random: () => number = Math.random): T[] {
  const groups = new Map<number, T[]>();
  for (const r of records) {
    const g = groups.get(r.priority);
    if (g) g.push(r);
    else groups.set(r.priority, [r]);
  }
  const out: T[] = [];
  for (const priority of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(priority)!;
    // "Arrange ... in any order, except that all those with weight 0 are placed at the beginning": the zeros are
    // shuffled so that an all-zero set spreads load instead of always starting with the first record.
    const zeros = shuffle(group.filter((r) => r.weight === 0), random);
    const remaining = [...zeros, ...group.filter((r) => r.weight !== 0)];
    while (remaining.length) {
      const total = remaining.reduce((sum, r) => sum + r.weight, 0);
      const pick = Math.min(total, Math.floor(unit(random) * (total + 1)));
      let running = 0;
      const index = remaining.findIndex((r) => (running += r.weight) >= pick);
      out.push(...remaining.splice(index < 0 ? 0 : index, 1));
    }
  }
  return out;
}

/** Fisher–Yates with the injected random source. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(unit(random) * (i + 1)));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Guard against a random source that strays outside [0, 1) or returns NaN. */
function unit(random: () => number): number {
  const v = random();
  return Number.isFinite(v) ? Math.min(Math.max(v, 0), 1 - Number.EPSILON) : 0;
}
