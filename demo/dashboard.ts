// The monitoring page: reads GET api/stats every few seconds and draws the proxy's recent verify traffic.
import type { DashboardStats as Stats } from '../server/monitoring.js';
import type { StatsPoint } from '../server/metrics-timeline.js';
import { ResultCode, resultCodes } from '../widget/codes.js';
import { clock, drawChart, type ChartData, type Series } from './charts.js';
import { $ } from './dom.js';
import { dashboardText, type DashboardText } from './dashboard-text.js';
import { fillIn, initialLang, remember, reveal, showPageWords, STORED_LANG } from './page-lang.js';
import type { Lang } from '../widget/locales.js';

/** The language the page is shown in: chosen on it or on the demo, else the browser's first the page speaks, else English. */
let lang: Lang = 'en';
const t = (): DashboardText => dashboardText[lang];

const TOKEN_KEY = 'carrier-verify-operator-token';
const params = new URLSearchParams(location.search);
/** Seconds between refreshes: `?refresh=` (1 to 3,600), 5 by default. */
const refreshMs = Math.min(3600, Math.max(1, Number(params.get('refresh')) || 5)) * 1000;

/**
 * A token in the page's address, `#token=` (a fragment is never sent: no proxy in front logs it) or `?token=`, is
 * kept for the tab and taken out of the address bar, every `token=` of both parts with it (the fragment's wins).
 * Read as written, percent-escapes undone: a `+` in a base64 token stays a `+`, where a query's form rules would
 * read a space; in a fragment, a `#` in the token is the token's.
 */
function takeTokenFromUrl(): boolean {
  const pairs = (text: string) => (text ? text.split('&') : []);
  const isToken = (pair: string) => pair.startsWith('token=');
  const hash = pairs(location.hash.slice(1));
  const search = pairs(location.search.slice(1));
  const found = [...hash, ...search].find(isToken);
  if (found === undefined) return false;
  let token = found.slice('token='.length);
  try {
    token = decodeURIComponent(token);
  } catch {
    // A lone `%` stays as written: the proxy judges the token.
  }
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  const rest = (list: string[], mark: string) => {
    const left = list.filter((pair) => !isToken(pair));
    return left.length ? `${mark}${left.join('&')}` : '';
  };
  history.replaceState(null, '', `${location.pathname}${rest(search, '?')}${rest(hash, '#')}`);
  return true;
}

/** Series colours, from the page's CSS: each scheme has its own, at 3:1 or more on the chart (see dashboard.css). */
const seriesColor = (name: string) => `var(--series-${name})`;
const codeColors: Record<string, string> = {
  [ResultCode.match]: seriesColor('match'),
  [ResultCode.mismatch]: seriesColor('mismatch'),
  [ResultCode.notFound]: seriesColor('no-record'),
  RATE_LIMITED: seriesColor('rate-limited'),
  UPSTREAM_ERROR: seriesColor('upstream-error'),
  UPSTREAM_TIMEOUT: seriesColor('upstream-timeout'),
  SERVICE_UNAVAILABLE: seriesColor('unavailable'),
  INTERNAL_ERROR: seriesColor('internal-error'),
  // The refusals a site sees most, each with a colour of its own that stays the same from one refresh to the next.
  INVALID_NAME: seriesColor('blue'),
  INVALID_PHONE: seriesColor('teal'),
  INVALID_REQUEST: seriesColor('brown'),
  ORIGIN_NOT_ALLOWED: seriesColor('pink'),
};
/** The rarer codes (a body too large, a wrong type or method…) share one series, so that no two colours repeat. */
const OTHER_CODES = 'other';
const providerColors = ['blue', 'pink', 'teal', 'brown', 'purple', 'grey'].map(seriesColor);
/** The result codes (and siteverify's refusals) with what they say, in the page's language. */
const codeLabel = (code: string): string => {
  const glosses: Readonly<Record<string, string>> = { ...t().codeGloss, [ResultCode.match]: t().codeMatch, [ResultCode.mismatch]: t().codeMismatch, [ResultCode.notFound]: t().codeNotFound };
  const said = Object.hasOwn(glosses, code) ? glosses[code] : undefined;
  return said === undefined ? code : `${code} ${said}`;
};

const integer = new Intl.NumberFormat('en');
/** Yuan, to the fen with thousands grouped (`¥1,234.50`). */
const yuan = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const wholeYuan = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const priceYuan = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
/** Yuan in `format`; nothing is `¥0`. */
const yuanIn = (format: Intl.NumberFormat) => (value: number) => (value === 0 ? '¥0' : `¥${format.format(value)}`);
/**
 * Money in one style for a whole figure, chosen by its largest amount (`scale`): with fen up to ¥1,000, whole yuan
 * above, where the fen say nothing and would not fit a tile or an axis.
 */
const toFen = yuanIn(yuan);
const toYuan = yuanIn(wholeYuan);
const moneyUpTo = (scale: number) => (scale >= 1000 ? toYuan : toFen);
const money = (value: number) => moneyUpTo(value)(value);
/** A price a call, with as many decimals as it was configured with (¥0.345, not ¥0.35), from two to four. */
const price = yuanIn(priceYuan);
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(1).replace(/\.0$/, '')} s` : `${value >= 10 ? Math.round(value) : value.toFixed(1).replace(/\.0$/, '')} ms`);
/** A share in percent, never shown as 0% while there is some nor 100% while some is missing. */
const percent = (value: number) => {
  if (value > 0 && value < 0.1) return '<0.1%';
  if (value < 100 && value >= 99.95) return '>99.9%';
  return `${(value > 0 && value < 10) || (value > 99 && value < 100) ? value.toFixed(1) : Math.round(value)}%`;
};
const count = (value: number) => (Number.isInteger(value) ? integer.format(value) : value.toFixed(1));
/** A note after a figure, in the page language's brackets: `3 / 4 (75%)`, `3 / 4（75%）`. */
const aside = (text: string) => fillIn(t().aside, { text });

/** Result codes first in their protocol order, then the others by how often they came. */
function orderCodes(totals: Record<string, number>): string[] {
  const results: string[] = resultCodes.filter((code) => totals[code]);
  const others = Object.keys(totals)
    .filter((code) => !results.includes(code))
    .sort((a, b) => (totals[b] ?? 0) - (totals[a] ?? 0));
  return [...results, ...others];
}

function codeSeries(points: readonly StatsPoint[], pick: (p: StatsPoint) => Record<string, number>, totals: Record<string, number>): Series[] {
  const codes = orderCodes(totals);
  const named = codes.filter((code) => code in codeColors);
  const others = codes.filter((code) => !(code in codeColors));
  const series: Series[] = named.map((code) => ({
    key: code,
    label: codeLabel(code),
    color: codeColors[code]!,
    values: points.map((p) => pick(p)[code] ?? 0),
    summary: count(totals[code] ?? 0),
  }));
  if (others.length === 0) return series;
  const sum = (values: Record<string, number>) => others.reduce((total, code) => total + (values[code] ?? 0), 0);
  return [
    ...series,
    {
      key: OTHER_CODES,
      // A fixed name, as the keyboard read-out speaks it at each point; which codes, over the window, in the legend.
      label: t().other,
      color: seriesColor('other'),
      values: points.map((p) => sum(pick(p))),
      summary: `${count(sum(totals))}${aside(others.map((code) => `${code} ${count(totals[code] ?? 0)}`).join(', '))}`,
    },
  ];
}

function latencySeries(stats: Stats): Series[] {
  return stats.providers.flatMap((provider, i) => {
    const color = providerColors[i % providerColors.length]!;
    const total = stats.totals.latency[provider];
    return (['p50', 'p95'] as const).map((q) => ({
      key: `${provider}-${q}`,
      label: `${provider} ${q}`,
      color,
      dashed: q === 'p95',
      values: stats.series.map((p) => p.latency[provider]?.[q] ?? null),
      summary: total?.[q] != null ? ms(total[q]!) : '–',
    }));
  });
}

function cacheRate(hits: number, lookups: number): number | null {
  return lookups === 0 ? null : (hits / lookups) * 100;
}

/** The cost so far at each point; none in a window without a billed call, which has no cost to estimate. */
function cumulativeCost(points: readonly StatsPoint[], billedCalls: number): (number | null)[] {
  if (billedCalls === 0) return points.map(() => null);
  let sum = 0;
  return points.map((p) => (sum += p.cost));
}

function setTile(name: string, value: string, hint = ''): void {
  $(`[data-tile="${name}"] .value`).textContent = value;
  $(`[data-tile="${name}"] .hint`).textContent = hint;
}

function renderTiles(stats: Stats): void {
  const { totals } = stats;
  const requests = Object.values(totals.requests).reduce((a, b) => a + b, 0);
  const matched = totals.requests[ResultCode.match] ?? 0;
  const errors = Object.values(totals.errors).reduce((a, b) => a + b, 0);
  const rate = cacheRate(totals.cacheHits, totals.cacheLookups);
  const share = (part: number) => (requests ? fillIn(t().ofRequests, { share: percent((part / requests) * 100) }) : '');
  setTile('requests', count(requests), fillIn(t().matched, { n: count(matched) }));
  setTile('errors', count(errors), share(errors));
  // Which limits refused, most first: a run of `name` refusals is someone trying numbers for a name.
  const byLimit = Object.entries(totals.limitedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([limit, n]) => `${t().limitNames[limit] ?? limit} ${count(n)}`);
  setTile('rate-limited', count(totals.rateLimited), [share(totals.rateLimited), ...byLimit].filter(Boolean).join(' · '));
  setTile('cache', rate === null ? '–' : percent(rate), fillIn(t().lookUps, { hits: count(totals.cacheHits), lookups: count(totals.cacheLookups) }));
  setTile('billed', count(totals.billedCalls), fillIn(t().perCall, { price: price(stats.pricePerCall) }));
  // On the sandbox (the trial's proxy) the figure is what a real provider would have billed: nothing was. Elsewhere,
  // failed calls the vendor may have billed all the same (a timeout, a connection broken after sending) are said
  // beside it, with the most they would cost.
  const trial = (stats as Partial<Stats>).trial === true;
  const maybe = (totals as Partial<Stats['totals']>).maybeBilled ?? 0;
  const costNotes = [trial ? t().estimatedSandbox : t().estimated];
  if (maybe > 0 && !trial) costNotes.push(fillIn(t().maybeBilled, { n: count(maybe), cost: money(maybe * stats.pricePerCall) }));
  setTile('cost', money(totals.cost), costNotes.join(' · '));
  // siteverify, the sites' backends checking tokens: a broken integration (a wrong secret) shows here as refusals.
  // An earlier version, mid-upgrade, does not count them: no figure, rather than a 0 it did not count.
  const checks = (totals as Partial<Stats['totals']>).tokenChecks;
  if (!checks) return setTile('tokens', '–');
  const refusals = Object.entries(checks)
    .filter(([code]) => code !== 'token-accepted')
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${codeLabel(code)} ${count(n)}`);
  const tokenTotal = Object.values(checks).reduce((a, b) => a + b, 0);
  setTile('tokens', count(tokenTotal), [fillIn(t().tokensAccepted, { n: count(checks['token-accepted'] ?? 0) }), ...refusals].join(' · '));
}

/** A shared store that is down changes what the figures mean: the page says so above them, and since when. */
function renderStore(stats: Stats): void {
  const { store } = stats as Partial<Stats>;
  const note = $<HTMLElement>('#store-note');
  note.hidden = store?.state !== 'down' && !store?.warning;
  if (!store || note.hidden) return;
  if (store.state !== 'down') {
    note.textContent = fillIn(t().storeMayDrop, { warning: store.warning ?? '' });
    return;
  }
  const why = store.reason ? aside(store.reason) : '';
  note.textContent = fillIn(t().storeDown, { time: clock(store.since, true), why });
}

function renderProviders(stats: Stats): void {
  const body = $<HTMLTableSectionElement>('#providers tbody');
  body.replaceChildren(
    ...stats.providers.map((provider) => {
      const row = document.createElement('tr');
      const latency = stats.totals.latency[provider];
      const state = stats.circuits[provider] ?? 'unknown';
      const last = (stats as Partial<Stats>).lastFailures?.[provider];
      const calls = latency?.count ?? 0;
      // A provider's failed calls, which a failover answered from another, show here and nowhere else.
      const failed = latency?.failed ?? 0;
      const failures = failed ? `${count(failed)}${aside(percent((100 * failed) / calls))}` : '0';
      const circuit = t().circuit[state as keyof DashboardText['circuit']] ?? state;
      const cells = [provider, circuit, count(calls), failures, latency?.p50 != null ? ms(latency.p50) : '–', latency?.p95 != null ? ms(latency.p95) : '–'];
      for (const [i, text] of cells.entries()) {
        const cell = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) cell.scope = 'row';
        if (i === 1) {
          const badge = document.createElement('span');
          badge.className = `state state-${state}`;
          badge.textContent = text;
          cell.append(badge);
        } else {
          cell.textContent = text;
        }
        // Under the failed calls, what the latest failure was and when, while it is within the window: what is failing,
        // and why (a 401 is a wrong key, a 429 the vendor's throttle), without leaving the page for /healthz.
        if (i === 3 && last && Date.parse(last.at) >= stats.from) {
          const note = document.createElement('span');
          note.className = 'last-failure';
          const what = last.status === undefined ? last.failure : `${last.failure} ${last.status}`;
          note.textContent = fillIn(t().lastFailure, { what, time: clock(Date.parse(last.at), true) });
          cell.append(note);
        }
        row.append(cell);
      }
      return row;
    }),
  );
}

/**
 * Each site's budget as the instance last counted a call on it: how much of it is used, so that one running out is
 * seen before its first refusal. Hidden while there is none to show (the site limit off, no call yet, or an
 * instance of an earlier version, which does not say).
 */
function renderBudgets(stats: Stats): void {
  const budgets = Object.entries((stats as Partial<Stats>).budgets ?? {});
  $<HTMLElement>('#budgets').hidden = budgets.length === 0;
  $<HTMLTableSectionElement>('#budgets tbody').replaceChildren(
    ...budgets.map(([site, { used, limit, resetsAt }]) => {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = site;
      const cells = [`${count(used)} / ${count(limit)}${aside(percent((100 * used) / limit))}`, resetsAt ? duration(Date.parse(resetsAt) - stats.generatedAt) : '–'];
      row.append(name, ...cells.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
      return row;
    }),
  );
}

/**
 * When the answering instance's figures begin, if that is within the window shown: its start (the Node program) or
 * its first event, after a restart say. What came before (another instance's traffic, or its own before the restart) is not in them.
 */
function countedFrom(stats: Stats): number | undefined {
  const started = (stats as Partial<Stats>).instance?.startedAt;
  return started !== undefined && started > stats.from ? started : undefined;
}

/** Draws a chart, its read-out punctuated and its table headed as the page's language writes them. */
function draw(figure: string, data: Omit<ChartData, 'colon' | 'timeHeading' | 'uncounted'>): void {
  drawChart($(figure), { ...data, colon: t().colon, timeHeading: t().columnTime, uncounted: t().uncounted });
}

/** Says above the totals since when they count, while that is within the window (see countedFrom). */
function renderCounting(stats: Stats): void {
  const since = countedFrom(stats);
  const note = $<HTMLElement>('#counting-note');
  note.hidden = since === undefined;
  note.textContent = since === undefined ? '' : fillIn(t().countingSince, { time: clock(since, true) });
}

/** How long a time each bar counts, after the bar charts' titles: `, a bar per 30 s`. */
function renderUnits(stepMs: number): void {
  const step = stepMs % 60_000 === 0 ? fillIn(t().durationMinutes, { m: String(stepMs / 60_000) }) : fillIn(t().seconds, { n: String(stepMs / 1000) });
  for (const unit of document.querySelectorAll('figcaption .unit')) unit.textContent = fillIn(t().perBar, { step });
}

function renderCharts(stats: Stats): void {
  renderUnits(stats.stepMs);
  const points = stats.series;
  const times = points.map((p) => p.t);
  const { totals } = stats;
  // Each chart's points, their width, and when their figures begin.
  const frame = { times, stepMs: stats.stepMs, countedFrom: countedFrom(stats) };
  draw('#chart-requests', {
    kind: 'bars',
    ...frame,
    series: codeSeries(points, (p) => p.requests, totals.requests),
    format: count,
    minStep: 1,
    empty: t().emptyRequests,
  });
  // On a log axis: a few calls that wait out a timeout would flatten everything else onto the bottom of a linear one.
  draw('#chart-latency', { kind: 'lines', scale: 'log', ...frame, series: latencySeries(stats), format: ms, empty: t().emptyLatency });
  draw('#chart-errors', {
    kind: 'bars',
    ...frame,
    series: [
      ...codeSeries(points, (p) => p.errors, totals.errors),
      { key: 'rate-limited', label: t().rateLimitRefusals, color: codeColors.RATE_LIMITED!, values: points.map((p) => p.rateLimited), summary: count(totals.rateLimited) },
    ],
    format: count,
    minStep: 1,
    empty: t().emptyErrors,
  });
  const rate = cacheRate(totals.cacheHits, totals.cacheLookups);
  draw('#chart-cache', {
    kind: 'lines',
    ...frame,
    series: [{ key: 'hit-rate', label: t().hitRate, color: seriesColor('teal'), values: points.map((p) => cacheRate(p.cacheHits, p.cacheLookups)), summary: rate === null ? '–' : percent(rate) }],
    format: percent,
    minMax: 100,
    empty: t().emptyCache,
  });
  draw('#chart-cost', {
    kind: 'lines',
    ...frame,
    series: [{ key: 'cost', label: t().estimatedCost, color: seriesColor('brown'), values: cumulativeCost(points, totals.billedCalls), summary: money(totals.cost) }],
    // One style along the axis and in the read-out, that of the window's total (the line's highest point).
    format: moneyUpTo(totals.cost),
    empty: t().emptyCost,
  });
}

/** The figures of an answer: the store's note, the totals, the charts and the providers. */
function renderFigures(stats: Stats): void {
  // The link shows once the data says the app serves the trial page (off the sandbox it does not; an earlier
  // version, not saying, always did): before the operator token is given, or should no data come, it stays hidden.
  $<HTMLElement>('#demo-item').hidden = (stats as Partial<Stats>).trial === false;
  renderStore(stats);
  renderCounting(stats);
  renderTiles(stats);
  renderCharts(stats);
  renderProviders(stats);
  renderBudgets(stats);
}

function render(stats: Stats): void {
  renderFigures(stats);
  // Each instance keeps its own history: the id shows which one answered, should a load balancer alternate them
  // (an instance of an earlier version, during an upgrade, does not say).
  const { instance } = stats as Partial<Stats>;
  // Counting since its first request, not since it started: what the charts hold, not the process's uptime.
  // Said for a minute after the change, and announced once for each change.
  const recent = instance && instanceChange && stats.generatedAt - instanceChange.at < INSTANCE_CHANGE_SHOWN_MS ? instanceChange : undefined;
  const was = recent ? fillIn(t().instanceWas, { id: recent.from }) : '';
  const which = instance ? fillIn(t().instance, { id: instance.id, was, duration: duration(stats.generatedAt - instance.startedAt) }) : '';
  // The state announced is the change, for as long as it is the last: its note going says nothing new.
  showStatus(fillIn(t().updated, { time: clock(stats.generatedAt, true) }) + which, instanceChange ? `instance ${instanceChange.from} ${instanceChange.at}` : 'updated');
}

/** What was last announced of the status: a refresh that only moves its time says nothing (see showStatus). */
let announcedState = '';

/**
 * The status line. Its changes of state (data shown, not updated, a token asked for) are announced once each, in a
 * live region of their own; the time of each refresh, every few seconds, is not.
 */
function showStatus(text: string, state: string): void {
  statusShown = [text, state];
  // Paused, the status says so: the figures stay as they were at that time.
  const shownText = paused ? text + t().paused : text;
  $('#status').textContent = shownText;
  const heard = paused ? `${state} paused` : state;
  if (heard === announcedState) return;
  announcedState = heard;
  const live = $('#status-live');
  live.textContent = shownText;
  // Emptied once spoken, so that reading the page does not come across the status twice.
  clearTimeout(liveClear);
  liveClear = setTimeout(() => (live.textContent = ''), LIVE_CLEAR_MS);
}
/** The status last shown and its state, shown again when the refreshes are paused or resumed. */
let statusShown: readonly [text: string, state: string] | undefined;
/** How long an announcement stays in the live region, in ms: long enough for a screen reader to take it. */
const LIVE_CLEAR_MS = 3000;
let liveClear: ReturnType<typeof setTimeout> | undefined;

/** A span of time to the minute: `0 min`, `42 min`, `3 h 5 min`, `2 d 4 h` (`3 小时 5 分钟`…). */
function duration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 60) return fillIn(t().durationMinutes, { m: String(minutes) });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return fillIn(t().durationHours, { h: String(hours), m: String(minutes % 60) });
  return fillIn(t().durationDays, { d: String(Math.floor(hours / 24)), h: String(hours % 24) });
}

/**
 * A failed load; `closed`: the proxy has no operator token set up, so no token can open its data. `message` is the
 * proxy's own, or `timedOut` or `unreachable` where no answer came, said in the page's language when shown.
 */
type Load = { ok: true; stats: Stats } | { ok: false; status: number; message?: string; timedOut?: boolean; closed?: boolean };

/**
 * Seconds per point for a window: about 60 to 90 points, so that each bar and quantile has traffic behind it; the
 * last 5 minutes, for an incident under way, in the history's own 10 s buckets (30 points).
 */
const stepFor: Record<string, number> = { '5': 10, '15': 10, '30': 30, '60': 60 };

/**
 * How long a load waits for its answer, in ms. The next refresh is asked for once an answer is in: a request left
 * hanging (a stalled connection, a proxy in front holding it) would end the refreshes, the page showing the last
 * figures as if current.
 */
const loadTimeoutMs = 2 * refreshMs;

async function load(): Promise<Load> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const minutes = $<HTMLSelectElement>('#window').value;
  try {
    const res = await fetch(`api/stats?minutes=${minutes}&step=${stepFor[minutes] ?? 10}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      cache: 'no-store',
      signal: AbortSignal.timeout(loadTimeoutMs),
    });
    if (res.ok) return { ok: true, stats: (await res.json()) as Stats };
    const body = (await res.json().catch(() => ({}))) as { message?: string; closed?: boolean };
    return { ok: false, status: res.status, message: body.message ?? `HTTP ${res.status}`, closed: res.status === 401 && body.closed === true };
  } catch (error) {
    return { ok: false, status: 0, timedOut: error instanceof DOMException && error.name === 'TimeoutError' };
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
let paused = false;
/** How long the status names the instance shown before, after another one answered, in ms. */
const INSTANCE_CHANGE_SHOWN_MS = 60_000;
/** The last change of the answering instance: the one shown before, and when the other first answered. */
let instanceChange: { readonly from: string; readonly at: number } | undefined;
let last: Stats | undefined;
/** Questions asked so far: only the latest one's answer is shown. */
let asked = 0;

async function refresh(): Promise<void> {
  clearTimeout(timer);
  const question = ++asked;
  const result = await load();
  // A newer question (another window, a resume) went out meanwhile: this answer may be for an older window, and
  // the newer one shows itself and schedules the next refresh.
  if (question !== asked) return;
  if (result.ok) {
    // Another instance than the one drawn before (a restart, or a load balancer alternating): its figures count
    // from its own start, which the status says, once, rather than let the history drop to nothing unexplained.
    const before = last?.instance?.id;
    const now = result.stats.instance?.id;
    if (before && now && before !== now) instanceChange = { from: before, at: result.stats.generatedAt };
  }
  shown = result;
  present(result);
  if (!paused && !document.hidden && !(result.ok === false && result.status === 401)) timer = setTimeout(() => void refresh(), refreshMs);
}

/** The last answer shown, shown again in another language when the language changes. */
let shown: Load | undefined;

/** What the token form says under its field, kept to be said again in another language. */
let tokenNote: 'wrongToken' | 'staleToken' | 'enterToken' | undefined;
/** Whether the token kept in this tab opened the data at the last answer (a 401 then means it was changed). */
let tokenOpened = false;

function noteToken(note: typeof tokenNote): void {
  tokenNote = note;
  $('#token-error').textContent = note ? t()[note] : '';
  $('#token-input').setAttribute('aria-invalid', String(Boolean(note)));
}

/**
 * Shows what a load brought: the figures, or why there are none, with the token form when one is needed; `again`:
 * the same answer shown again (in another language), which leaves the token form's note to the caller.
 */
function present(result: Load, again = false): void {
  const form = $<HTMLFormElement>('#token-form');
  if (result.ok) {
    // The form goes once its token is taken: the focus in it goes to the data it opened, not back to the page's start.
    const focused = form.contains(document.activeElement);
    form.hidden = true;
    tokenOpened = Boolean(sessionStorage.getItem(TOKEN_KEY));
    showDataArea(true);
    showOld(undefined);
    try {
      render(result.stats);
      // The figures drawn: what the status dates when the next loads fail, and what a resize draws again.
      last = result.stats;
    } catch (error) {
      // An answer this page cannot draw (another version's) must not end the refreshes: the next may be drawable.
      const reason = error instanceof Error ? error.message : String(error);
      showStatus(fillIn(t().notDrawn, { message: reason }), `not-drawn ${reason}`);
    }
    if (focused) $<HTMLElement>('main').focus();
    return;
  }
  const asking = result.status === 401 && !result.closed;
  // The form, when it comes, is the one thing to do on the page: the focus goes to its field, unless the person
  // has already put it somewhere.
  const arriving = asking && form.hidden;
  form.hidden = !asking;
  if (arriving && (document.activeElement === document.body || document.activeElement === null)) $<HTMLInputElement>('#token-input').focus();
  $<HTMLElement>('#closed-note').hidden = !result.closed;
  // The proxy's message is for API clients (a header, a query parameter); the person at the form is told in its terms.
  const wrong = asking && Boolean(sessionStorage.getItem(TOKEN_KEY));
  // One that opened the data before was not mistyped: it was changed where the proxy runs.
  if (!again) noteToken(wrong ? (tokenOpened ? 'staleToken' : 'wrongToken') : undefined);
  if (asking) tokenOpened = false;
  // The figures still shown are the last ones drawn: the status says since when, and the page marks them as old.
  const since = last ? fillIn(t().since, { time: clock(last.generatedAt, true) }) : '';
  const why = result.timedOut ? fillIn(t().noAnswer, { s: String(loadTimeoutMs / 1000) }) : (result.message ?? t().unreachable);
  // A token that stopped working (rotated, or another instance's) leaves figures that are old all the same.
  const message = result.closed ? t().closed : asking ? fillIn(t().tokenNeeded, { since }) : fillIn(t().notUpdated, { since, message: why });
  showStatus(message, result.closed ? 'closed' : asking ? 'token-needed' : 'not-updated');
  // Closed, or waiting for its token, before any figures: no empty frames to look at or tab through.
  if (!last) showDataArea(!(asking || result.closed));
  showOld(last ? message : undefined);
}

/**
 * Marks the figures shown as old (`message`, the status's words): drawn in grey, said over them and in the status's
 * colour; or as current (undefined).
 */
function showOld(message: string | undefined): void {
  const old = message !== undefined;
  const note = $<HTMLElement>('#stale-note');
  note.hidden = !old;
  note.textContent = message ?? '';
  $<HTMLElement>('#data').toggleAttribute('data-stale', old);
  $<HTMLElement>('#status').toggleAttribute('data-old', old);
}

/** Shows the figures' area and the switches that act on it, or hides them while there is nothing to show. */
function showDataArea(shown: boolean): void {
  $<HTMLElement>('#data').hidden = !shown;
  $<HTMLSelectElement>('#window').disabled = !shown;
  $<HTMLButtonElement>('#pause').disabled = !shown;
}

const langSelect = $<HTMLSelectElement>('#lang');

/** The page in the language chosen: its own words, the figures' and the status's, and the charts drawn again. */
function applyLang(): void {
  lang = langSelect.value as Lang;
  showPageWords(lang, t());
  for (const option of $<HTMLSelectElement>('#window').options) option.textContent = fillIn(t().minutes, { n: option.value });
  // Before the first answer the status says so, as the page was written, without announcing it.
  if (shown) {
    // Figures left from before a failed load are shown in the new language too, still marked as old.
    if (last && !shown.ok) renderFigures(last);
    present(shown, true);
  } else {
    $('#status').textContent = t().loading;
  }
  noteToken(tokenNote);
}

function wire(): void {
  $('#window').addEventListener('change', () => void refresh());
  langSelect.addEventListener('change', () => {
    remember(STORED_LANG, langSelect.value);
    applyLang();
  });
  // A browser may give the switch back the choice made before the page was left (Back, a restored tab).
  addEventListener('pageshow', () => {
    if (langSelect.value !== lang) applyLang();
  });
  const pause = $<HTMLButtonElement>('#pause');
  pause.addEventListener('click', () => {
    paused = !paused;
    // A toggle keeps its name: pressed, it is paused.
    pause.setAttribute('aria-pressed', String(paused));
    if (statusShown) showStatus(...statusShown);
    if (paused) clearTimeout(timer);
    else void refresh();
  });
  // Charts are drawn at their shown size: draw again when that changes.
  let width = 0;
  new ResizeObserver(([entry]) => {
    const now = Math.round(entry?.contentRect.width ?? 0);
    if (last && now !== width) renderCharts(last);
    width = now;
  }).observe($('#data'));
  // A `#token=` pasted into the address bar of the open page comes without a reload.
  addEventListener('hashchange', () => {
    if (takeTokenFromUrl()) void refresh();
  });
  // A hidden tab stops asking; it catches up as soon as it is shown again.
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !paused) void refresh();
  });
  $<HTMLFormElement>('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('#token-input');
    const token = input.value.trim();
    // Spaces only pass the field's `required`: said at the field, and nothing is asked.
    if (!token) {
      noteToken('enterToken');
      input.value = '';
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = '';
    void refresh();
  });
}

/**
 * The demo and the metrics, where the app is mounted: the proxy names that place in the page's base element
 * (`/kyc/`, or `/` at the site's root), and the demo answers at it without the trailing slash.
 */
function showMountedPaths(): void {
  const mount = new URL(document.baseURI).pathname.replace(/\/$/, '');
  $<HTMLAnchorElement>('#demo-link').href = mount || '/';
  $('#metrics-path').textContent = `GET ${mount}/metrics`;
}

takeTokenFromUrl();
showMountedPaths();
// The operator's own language: the one chosen here or on the demo, else the browser's first the page speaks.
langSelect.value = initialLang((matched) => matched[0] ?? 'en');
applyLang();
// Before anything takes the focus: nothing in a page not yet painted can.
reveal();
wire();
void refresh();
