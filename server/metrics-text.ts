// A small Prometheus registry on web-standard APIs only: the proxy's metrics on every runtime (on Node, prom-client adds the process metrics).
import type { Labels, MetricDef, MetricRegistry } from './metrics.js';

interface Series {
  readonly labels: Labels;
  value: number;
  /** Histograms only: observations at or below each bucket bound (not cumulative), and their sum. */
  readonly counts?: number[];
  sum: number;
}

/** The content type of the text exposition format 0.0.4. */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Labels, extra = ''): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  // To 12 significant digits: a sum of prices or seconds drifts in its last bits (ten of 0.3 add up to
  // 2.9999999999999996), which no reader means; counts stay whole far beyond any a process reaches.
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

function seriesLines(def: MetricDef, series: Series): string[] {
  if (def.type !== 'histogram') return [`${def.name}${formatLabels(series.labels)} ${formatNumber(series.value)}`];
  const bounds = def.buckets ?? [];
  const lines: string[] = [];
  let cumulative = 0;
  bounds.forEach((bound, i) => {
    cumulative += series.counts?.[i] ?? 0;
    lines.push(`${def.name}_bucket${formatLabels(series.labels, `le="${formatNumber(bound)}"`)} ${cumulative}`);
  });
  lines.push(`${def.name}_bucket${formatLabels(series.labels, 'le="+Inf"')} ${series.value}`);
  lines.push(`${def.name}_sum${formatLabels(series.labels)} ${formatNumber(series.sum)}`);
  lines.push(`${def.name}_count${formatLabels(series.labels)} ${series.value}`);
  return lines;
}

export function createTextRegistry(defs: readonly MetricDef[]): MetricRegistry {
  const metrics = new Map<MetricDef, Map<string, Series>>(defs.map((def) => [def, new Map()]));

  /**
   * The series of `labels`, found by their values in the declared label order, so that two callers naming labels
   * in another order share a series. Runs on every request: the key is one joined string, and the labels object
   * is made only for a new series.
   */
  function seriesOf(def: MetricDef, labels: Labels): Series {
    let all = metrics.get(def);
    if (!all) metrics.set(def, (all = new Map()));
    const names = def.labelNames;
    let key = '';
    for (let i = 0; i < names.length; i++) key += `${labels[names[i]!] ?? ''}\u0000`;
    let series = all.get(key);
    if (!series) {
      const ordered = Object.fromEntries(names.map((name) => [name, labels[name] ?? '']));
      series = { labels: ordered, value: 0, sum: 0, ...(def.type === 'histogram' ? { counts: (def.buckets ?? []).map(() => 0) } : {}) };
      all.set(key, series);
    }
    return series;
  }

  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    inc(def, labels, value = 1) {
      seriesOf(def, labels).value += value;
    },
    set(def, labels, value) {
      seriesOf(def, labels).value = value;
    },
    observe(def, labels, value) {
      const series = seriesOf(def, labels);
      const bounds = def.buckets;
      if (bounds && series.counts) {
        let bucket = 0;
        while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
        if (bucket < bounds.length) series.counts[bucket]! += 1;
      }
      series.value += 1;
      series.sum += value;
    },
    async exposition() {
      const blocks: string[] = [];
      for (const [def, all] of metrics) {
        const help = def.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
        const lines = [`# HELP ${def.name} ${help}`, `# TYPE ${def.name} ${def.type}`];
        for (const series of all.values()) lines.push(...seriesLines(def, series));
        blocks.push(lines.join('\n'));
      }
      return `${blocks.join('\n')}\n`;
    },
  };
}
