// GET /metrics read by a strict parser of the Prometheus text format: one HELP and TYPE a family, counters named
// _total, seconds named so, histogram buckets cumulative up to +Inf, every label well formed.
import { describe, expect, it } from 'vitest';
import { promRegistry } from '../../server/metrics-prom.js';
import { sandboxFaults } from '../../server/providers/sandbox-directory.js';
import { postJson, testApp } from '../support/app.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Family {
  readonly name: string;
  help?: string;
  type?: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;
const VALUE = /^(?:NaN|[+-]Inf|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;
/** prom-client's own names for gauges of Node's handles and requests, which dashboards for Node expect as they are. */
const PROM_CLIENT_TOTAL_GAUGES = /^carrier_verify_nodejs_active_\w+_total$/;

function labelsOf(text: string, problems: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let rest = text; rest.length; ) {
    const match = LABEL.exec(rest);
    if (!match) {
      problems.push(`labels not well formed: {${text}}`);
      break;
    }
    if (Object.hasOwn(labels, match[1]!)) problems.push(`label ${match[1]} twice`);
    labels[match[1]!] = match[2]!;
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/** Every way `text` breaks the exposition format or the naming rules, as one line each. */
function problemsOf(text: string): string[] {
  const problems: string[] = [];
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const familyOf = (name: string) =>
    families.get(name) ?? [...families.values()].find((f) => f.type === 'histogram' && ['_bucket', '_sum', '_count'].some((end) => `${f.name}${end}` === name));
  if (!text.endsWith('\n')) problems.push('no newline at the end');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      if (!NAME.test(name)) problems.push(`${name}: not a metric name`);
      if (!families.has(name)) families.set(name, { name, samples: [] });
      const family = families.get(name)!;
      if (current && current !== family && (family.help !== undefined || family.type !== undefined)) problems.push(`${name}: ${kind} apart from its family`);
      current = family;
      if (kind === 'HELP') {
        if (family.help !== undefined) problems.push(`${name}: HELP twice`);
        family.help = rest;
      } else {
        if (family.type !== undefined) problems.push(`${name}: TYPE twice`);
        if (family.samples.length) problems.push(`${name}: TYPE after its samples`);
        family.type = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) {
      problems.push(`not a sample: ${line}`);
      continue;
    }
    const [, name, labelText = '', value] = match as unknown as [string, string, string | undefined, string];
    if (!VALUE.test(value)) problems.push(`${name}: value ${value}`);
    const family = familyOf(name);
    if (!family) problems.push(`${name}: sample without HELP and TYPE`);
    else if (family !== current) problems.push(`${name}: sample apart from its family`);
    family?.samples.push({ name, labels: labelsOf(labelText, problems), value: value === '+Inf' ? Infinity : Number(value) });
  }
  for (const family of families.values()) problems.push(...familyProblems(family));
  return problems;
}

function familyProblems({ name, help, type, samples }: Family): string[] {
  const problems: string[] = [];
  if (help === undefined || type === undefined) problems.push(`${name}: no HELP or no TYPE`);
  if (!['counter', 'gauge', 'histogram'].includes(type ?? '')) problems.push(`${name}: type ${type}`);
  if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: a counter not named _total`);
  if (type !== 'counter' && name.endsWith('_total') && !PROM_CLIENT_TOTAL_GAUGES.test(name)) problems.push(`${name}: a ${type} named _total`);
  if (/duration|latency|lag|_time/.test(name) && !/_seconds(?:_total)?$/.test(name)) problems.push(`${name}: a time not in seconds`);
  const seen = new Set<string>();
  for (const { name: sample, labels } of samples) {
    const key = `${sample}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) problems.push(`${key}: twice`);
    seen.add(key);
  }
  if (type !== 'histogram') return problems;
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const { name: sample, labels, value } of samples) {
    const { le, ...rest } = labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!series.has(key)) series.set(key, { buckets: [] });
    const one = series.get(key)!;
    if (sample.endsWith('_bucket')) one.buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
    else if (sample.endsWith('_sum')) one.sum = value;
    else one.count = value;
  }
  for (const [key, { buckets, sum, count }] of series) {
    if (sum === undefined || count === undefined) problems.push(`${name}${key}: no _sum or no _count`);
    if (buckets.at(-1)?.[0] !== Infinity || buckets.at(-1)?.[1] !== count) problems.push(`${name}${key}: no +Inf bucket equal to _count`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]![0] > buckets[i - 1]![0]) || buckets[i]![1] < buckets[i - 1]![1]) problems.push(`${name}${key}: buckets not cumulative`);
    }
  }
  return problems;
}

describe.each([
  ['the web-standard registry', undefined],
  ['the Node registry, with the process metrics', promRegistry()],
] as const)('GET /metrics with %s', (_, metricRegistry) => {
  it('is a valid text exposition after mixed traffic', async () => {
    const proxy = testApp({ pricePerCall: 0.35, ...(metricRegistry ? { metricRegistry } : {}) });
    const verify = (name: string, phoneNumber: string) => postJson(proxy, '/api/verify', { name, phoneNumber });
    const match = await (await verify('张三', '13800138000')).json();
    for (const [name, number] of [['张三', '13800138000'], ['李四', '13800138000'], ['王五', '13900139000'], ['Robert', '13800138000'], ['张三', sandboxFaults.serverError], ['张三', sandboxFaults.noAnswer]]) {
      await verify(name!, number!);
    }
    await postJson(proxy, '/api/siteverify', { secret: 'sandbox-secret', token: (match as { token: string }).token });
    await postJson(proxy, '/api/siteverify', { secret: 'wrong', token: 'x' });
    const res = await proxy.request('/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^carrier_verify_upstream_duration_seconds_bucket\{provider="sandbox",result="timeout",le="\+Inf"\} 1$/m);
    expect(problemsOf(text)).toEqual([]);
  });

  it('is refused by the parser when broken, so that it can fail', () => {
    const histogram = '# HELP h_seconds x\n# TYPE h_seconds histogram\nh_seconds_bucket{le="1"} 2\nh_seconds_bucket{le="+Inf"} 1\nh_seconds_sum 1\nh_seconds_count 1\n';
    expect(problemsOf(histogram)).toEqual(['h_seconds[]: buckets not cumulative']);
    expect(problemsOf('# HELP c x\n# TYPE c counter\n# TYPE c counter\nc{a="b\\x"} 1\n')).toEqual(['c: TYPE twice', 'labels not well formed: {a="b\\x"}', 'c: a counter not named _total']);
  });
});
