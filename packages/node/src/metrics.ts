/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and gauges with labels, and
 * histograms with fixed buckets. Observation is a few arithmetic operations; formatting happens on scrape.
 */
type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' | 'histogram') {}
  abstract lines(): string[];
  format(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n');
  }
}

export class Counter extends Metric {
  readonly #values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  lines(): string[] {
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Gauge extends Metric {
  readonly #read: () => number;
  constructor(name: string, help: string, read: () => number) {
    super(name, help, 'gauge');
    this.#read = read;
  }
  lines(): string[] {
    return [`${this.name} ${this.#read()}`];
  }
}

export class Histogram extends Metric {
  readonly buckets: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help, 'histogram');
    this.buckets = [...buckets].sort((a, b) => a - b);
    this.#counts = new Array<number>(this.buckets.length).fill(0);
  }
  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.#counts[i]!++;
  }
  get count(): number {
    return this.#count;
  }
  lines(): string[] {
    const out = this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.#counts[i]}`);
    out.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`, `${this.name}_sum ${this.#sum}`, `${this.name}_count ${this.#count}`);
    return out;
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.#metrics.push(m);
    return m;
  }
  /** The exposition text served on /metrics. */
  format(): string {
    return this.#metrics.map((m) => m.format()).join('\n') + '\n';
  }
}
