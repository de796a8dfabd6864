// Small SVG charts for the dashboard: stacked bars or lines over time, with axes, a legend and a read-out of each
// point for the pointer and the keyboard.

const SVG_NS = 'http://www.w3.org/2000/svg';
const HEIGHT = 190;
const MARGIN = { top: 12, right: 12, bottom: 24, left: 52 };
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Below this a plot has no room left beside its axis; a narrower chart is drawn at this width and scaled down. */
const MIN_WIDTH = 200;

/** The drawing's width in CSS pixels: charts are drawn at the size they are shown, so text never scales. */
interface Frame {
  readonly width: number;
  readonly plotW: number;
}

export interface Series {
  readonly key: string;
  readonly label: string;
  /** A CSS colour, `var(--name)` included: it is set as a style, which a custom property may change with the scheme. */
  readonly color: string;
  /** One value per time; null where there is nothing to show (a gap in a line). */
  readonly values: readonly (number | null)[];
  readonly dashed?: boolean;
  /** What the legend shows beside the label (a total, a last value). */
  readonly summary?: string;
}

export interface ChartData {
  readonly kind: 'bars' | 'lines';
  /** Start of each point, ms since the epoch. */
  readonly times: readonly number[];
  /** Width of each point, ms. */
  readonly stepMs: number;
  readonly series: readonly Series[];
  readonly format: (value: number) => string;
  /** Least top of the value axis (100 for a percentage). */
  readonly minMax?: number;
  /** Least step between grid lines (1 for counts, which have no fractions). */
  readonly minStep?: number;
  /**
   * `log` spaces the value axis by powers of ten (lines only): a latency chart where a few calls wait out a 3 s timeout
   * keeps its 80 ms p50 readable, which a linear axis up to 3 s flattens onto the bottom of the plot.
   */
  readonly scale?: 'linear' | 'log';
  readonly empty: string;
  /** What comes between a series' label and its value in the read-out: `: `, or the full-width `：` in Chinese. */
  readonly colon?: string;
  /** The heading of the time column in the chart's table of values (see drawTable). */
  readonly timeHeading?: string;
  /**
   * When the figures begin, ms since the epoch: when the answering instance began counting, after a restart say. The
   * points that ended before it have no figures (whatever their values say), and are shaded and said as `uncounted`.
   */
  readonly countedFrom?: number;
  /** What the shading of the points before `countedFrom` says, and their read-out. */
  readonly uncounted?: string;
}

/** How many of the first points ended before the figures begin (see ChartData.countedFrom). */
function uncountedPoints(data: ChartData): number {
  const from = data.countedFrom;
  if (from === undefined) return 0;
  const n = data.times.findIndex((time) => time + data.stepMs > from);
  return n < 0 ? data.times.length : n;
}

/** The data with no values for its first `before` points, which ended before its figures begin. */
function onlyCounted(data: ChartData, before: number): ChartData {
  if (before === 0) return data;
  return { ...data, series: data.series.map((s) => ({ ...s, values: s.values.map((value, i) => (i < before ? null : value)) })) };
}

function svg<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  parent?.append(node);
  return node;
}

/** Colours a mark through its style (a presentation attribute takes no var()), which the page's CSP allows from script. */
function paint<T extends SVGElement>(node: T, property: 'fill' | 'stroke', color: string): T {
  node.style.setProperty(property, color);
  return node;
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= value * (1 - 1e-9)) ?? 10;
  return step * power;
}

export function clock(time: number, seconds = false): string {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hour12: false });
}

function stackTops(data: ChartData): number[] {
  return data.times.map((_, i) => data.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
}

function maxValue(data: ChartData): number {
  const values = data.kind === 'bars' ? stackTops(data) : data.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  return Math.max(0, ...values);
}

/** A round step for at most four intervals up to `max`, never below `minStep` (1 for counts). */
function axisStep(max: number, minStep: number): number {
  const step = niceCeiling(max / 4);
  // A step of 2.5 would put counts of half a request on the axis: 5 instead.
  return Math.max(minStep, minStep > 0 && !Number.isInteger(step / minStep) ? step * 2 : step);
}

/** Where values sit on the plot: the grid lines' values, in order, and the height of any value. */
interface ValueAxis {
  readonly ticks: readonly number[];
  readonly y: (value: number) => number;
}

/** A linear axis from 0, with at most four round steps up to the top value (never below `minStep`). */
function linearAxis(data: ChartData): ValueAxis {
  const max = Math.max(maxValue(data), data.minMax ?? 0, data.kind === 'bars' ? 4 : 0);
  const step = axisStep(max, data.minStep ?? 0);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 1e6; i += 1) ticks.push(i * step);
  return { ticks, y: (value) => MARGIN.top + PLOT_H - (value / top) * PLOT_H };
}

/** Lowest value a log axis shows: a tenth of a millisecond, as the latency read-outs write it. */
const LOG_FLOOR = 0.1;

/**
 * A log axis from the power of ten at or below the least value to the one at or above the greatest, a grid line at
 * each (and at 2 and 5 times each when it spans no more than two). Values below its floor (0 among them) sit on it.
 */
function logAxis(data: ChartData): ValueAxis {
  // A value at or below the floor (0 ms: a sandbox in the same process) is drawn on it, so the floor is in the axis.
  const values = data.series.flatMap((s) => s.values.filter((v): v is number => v !== null)).map((v) => Math.max(LOG_FLOOR, v));
  // With nothing to draw, 1 to 10.
  const least = values.length === 0 ? 1 : Math.min(...values);
  const greatest = Math.max(least, ...values);
  const low = Math.floor(Math.log10(least) + 1e-9);
  const high = Math.max(low + 1, Math.ceil(Math.log10(greatest) - 1e-9));
  const ticks: number[] = [];
  for (let power = low; power <= high; power++) {
    const decade = 10 ** power;
    ticks.push(Number(decade.toPrecision(1)));
    if (high - low <= 2 && power < high) ticks.push(Number((2 * decade).toPrecision(1)), Number((5 * decade).toPrecision(1)));
  }
  const span = high - low;
  return {
    ticks,
    y: (value) => MARGIN.top + PLOT_H - ((Math.log10(Math.max(value, 10 ** low)) - low) / span) * PLOT_H,
  };
}

function drawAxes(root: SVGSVGElement, frame: Frame, data: ChartData, axis: ValueAxis): void {
  const { y } = axis;
  // The axes' labels are the picture's: the chart is one image to assistive technology, named by its title, its
  // values in the table beside it.
  const grid = svg('g', { class: 'grid', 'aria-hidden': 'true' }, root);
  for (const value of axis.ticks) {
    svg('line', { x1: MARGIN.left, x2: frame.width - MARGIN.right, y1: y(value), y2: y(value) }, grid);
    svg('text', { x: MARGIN.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, grid).textContent = data.format(value);
  }
  const n = data.times.length;
  const span = n > 0 ? data.times[n - 1]! - data.times[0]! : 0;
  // About one label per 110 px, on a round number of minutes.
  const wanted = (span / frame.plotW) * 110;
  const every = ([1, 2, 5, 10, 15, 30].find((m) => m * 60_000 >= wanted) ?? 60) * 60_000;
  data.times.forEach((time, i) => {
    // Round on the clock the labels are read in: the page's time zone, which may be off UTC by a part of an hour.
    if ((time - new Date(time).getTimezoneOffset() * 60_000) % every !== 0) return;
    const x = MARGIN.left + (i / n) * frame.plotW;
    svg('line', { x1: x, x2: x, y1: MARGIN.top + PLOT_H, y2: MARGIN.top + PLOT_H + 4 }, grid);
    svg('text', { x, y: HEIGHT - 6, 'text-anchor': 'middle' }, grid).textContent = clock(time);
  });
}

function drawBars(root: SVGSVGElement, frame: Frame, data: ChartData, y: (value: number) => number): void {
  const n = data.times.length;
  const slot = frame.plotW / n;
  const width = Math.max(1, slot * 0.8);
  const bars = svg('g', { class: 'bars' }, root);
  data.times.forEach((_, i) => {
    let base = 0;
    for (const series of data.series) {
      const value = series.values[i] ?? 0;
      if (value <= 0) continue;
      const x = MARGIN.left + i * slot + (slot - width) / 2;
      paint(svg('rect', { class: 'bar', 'data-series': series.key, x, y: y(base + value), width, height: y(base) - y(base + value) }, bars), 'fill', series.color);
      base += value;
    }
  });
}

function drawLines(root: SVGSVGElement, frame: Frame, data: ChartData, y: (value: number) => number): void {
  const n = data.times.length;
  const x = (i: number) => MARGIN.left + ((i + 0.5) / n) * frame.plotW;
  const lines = svg('g', { class: 'lines' }, root);
  for (const series of data.series) {
    // Runs of points with data. A point without data (no upstream call, no cache look-up) breaks the line: joined
    // across it, the line would draw values in between that were never measured.
    const runs: { i: number; value: number }[][] = [];
    series.values.forEach((value, i) => {
      if (value === null) return;
      const run = runs.at(-1);
      if (run && run.at(-1)!.i === i - 1) run.push({ i, value });
      else runs.push([{ i, value }]);
    });
    const at = ({ i, value }: { i: number; value: number }) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`;
    const d = runs
      .filter((run) => run.length > 1)
      .map((run) => `M${run.map(at).join('L')}`)
      .join('');
    if (d) {
      const path = paint(svg('path', { class: 'line', 'data-series': series.key, d, fill: 'none', 'stroke-width': 2 }, lines), 'stroke', series.color);
      if (series.dashed) path.setAttribute('stroke-dasharray', '5 3');
    }
    // A point alone between gaps has no line to be on: it is drawn as a dot.
    for (const [point] of runs.filter((run) => run.length === 1)) {
      paint(svg('circle', { class: 'point', 'data-series': series.key, cx: x(point!.i).toFixed(1), cy: y(point!.value).toFixed(1), r: 3 }, lines), 'fill', series.color);
    }
  }
}

function drawLegend(figure: HTMLElement, data: ChartData): void {
  const legend = figure.querySelector('.legend');
  if (!legend) return;
  legend.replaceChildren(
    ...data.series.map((series) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = series.dashed ? 'swatch dashed' : 'swatch';
      swatch.style.setProperty('--swatch', series.color);
      item.append(swatch, document.createTextNode(series.label));
      if (series.summary) {
        const value = document.createElement('b');
        value.textContent = series.summary;
        item.append(value);
      }
      return item;
    }),
  );
}

/** Keys that move the read-out: to the point before or after the one shown (the newest when none is), or to the first or last. */
const moves: Record<string, (shown: number | null, n: number) => number> = {
  ArrowLeft: (shown, n) => Math.max(0, (shown ?? n) - 1),
  ArrowRight: (shown, n) => Math.min(n - 1, (shown ?? n - 2) + 1),
  Home: () => 0,
  End: (_, n) => n - 1,
};

/** The start time of the point each chart's read-out shows, so that a redraw can keep it (see attachReadout). */
const shownPoints = new WeakMap<SVGSVGElement, number>();
/** Where the pointer last was over each chart's plot (its clientX): a redraw shows the point under it again. */
const pointerAt = new WeakMap<SVGSVGElement, number>();

/** Space between the read-out and the bars or points it reads, in CSS pixels. */
const TIP_GAP = 6;

/**
 * Puts the read-out of the point at `x` (in drawing units) beside it, on the side with more room, clear of its bars
 * or points, so that it never covers what it describes. Where neither side has room for it (a phone), it goes above
 * the plot, over the legend whose labels it repeats. It stays inside the chart either way, so that it does not widen
 * a phone's page.
 */
function placeTip(tip: HTMLElement, data: ChartData, frame: Frame, x: number, chartWidth: number): void {
  const scale = chartWidth / frame.width;
  const at = x * scale;
  // Half a bar (80% of its slot), or a point's radius, then the gap.
  const reach = (data.kind === 'bars' ? Math.max(1, (frame.plotW / data.times.length) * 0.8) / 2 : 3) * scale + TIP_GAP;
  const width = tip.offsetWidth;
  const room = { left: at - reach, right: chartWidth - at - reach };
  const side = room.left >= room.right ? 'left' : 'right';
  if (room[side] >= width) {
    tip.dataset.side = side;
    tip.style.left = `${side === 'left' ? at - reach - width : at + reach}px`;
  } else {
    tip.dataset.side = 'above';
    tip.style.left = `${Math.min(chartWidth - width, Math.max(0, at - width / 2))}px`;
  }
}

/**
 * Shows the values of one point: the one under the pointer, or, on the focused chart, the one the arrow keys reach.
 * The values are shown in the tip beside the point and said in the figure's status (`.readout`), so a screen reader
 * announces each point the person moves to. A redraw (every few seconds) keeps the point a keyboard user is reading,
 * or the one under a resting pointer, its tip showing the new values; the status is left as it was, else the whole
 * read-out would be spoken again at every refresh while the newest point is counting. Moved away from and back to,
 * the point is said with its new values. Otherwise a redraw empties both, whose values are old.
 */
function attachReadout(figure: HTMLElement, root: SVGSVGElement, frame: Frame, data: ChartData, before: number): void {
  const tip = figure.querySelector<HTMLElement>('.tip');
  const said = figure.querySelector<HTMLElement>('.readout');
  if (!tip || !said) return;
  const guide = svg('line', { class: 'guide', y1: MARGIN.top, y2: MARGIN.top + PLOT_H, visibility: 'hidden' }, root);
  const area = svg('rect', { class: 'hit', x: MARGIN.left, y: MARGIN.top, width: frame.plotW, height: PLOT_H, fill: 'transparent' }, root);
  const n = data.times.length;
  let shown: number | null = null;
  /**
   * Shows point `i`, and says it unless `quietly` (a redraw); `width` is the chart's rendered width when the caller
   * has just read it.
   */
  const show = (i: number, width?: number, quietly = false) => {
    // Written only when the point changes: each write of the status is announced.
    if (i === shown) return;
    // Read before anything is written, so that it costs no layout of its own.
    const chartWidth = width ?? root.getBoundingClientRect().width;
    shown = i;
    shownPoints.set(root, data.times[i]!);
    const x = MARGIN.left + ((i + 0.5) / n) * frame.plotW;
    guide.setAttribute('x1', String(x));
    guide.setAttribute('x2', String(x));
    guide.setAttribute('visibility', 'visible');
    // A point before the figures begin says so, rather than a dash for each series.
    const rows = i < before && data.uncounted ? [data.uncounted] : data.series.map((s) => `${s.label}${data.colon ?? ': '}${valueText(data, s.values[i])}`);
    const text = [spanOf(data, i, true), ...rows].join('\n');
    if (tip.textContent !== text) tip.textContent = text;
    if (!quietly && said.textContent !== text) said.textContent = text;
    placeTip(tip, data, frame, x, chartWidth);
  };
  const hide = () => {
    shown = null;
    shownPoints.delete(root);
    guide.setAttribute('visibility', 'hidden');
    tip.textContent = '';
    said.textContent = '';
  };
  /** Shows the point under the pointer, at `clientX`. */
  const showAt = (clientX: number, quietly = false) => {
    const box = root.getBoundingClientRect();
    const px = ((clientX - box.left) / box.width) * frame.width;
    show(Math.min(n - 1, Math.max(0, Math.floor(((px - MARGIN.left) / frame.plotW) * n))), box.width, quietly);
  };
  const kept = document.activeElement === root ? data.times.indexOf(shownPoints.get(root) ?? Number.NaN) : -1;
  const pointer = pointerAt.get(root);
  if (kept >= 0) show(kept, undefined, true);
  // A pointer resting on the chart shows the point under it, with the new values, as it did before the redraw.
  else if (pointer !== undefined && n > 0 && root.matches(':hover')) showAt(pointer, true);
  else hide();
  area.addEventListener('pointermove', (event) => {
    pointerAt.set(root, event.clientX);
    showAt(event.clientX);
  });
  area.addEventListener('pointerleave', (event) => {
    pointerAt.delete(root);
    // A finger leaves as it lifts: what it tapped stays read out until a tap elsewhere (the chart's blur).
    if (event.pointerType !== 'touch') hide();
  });
  // A tap moves no pointer over the chart: it reads the point tapped.
  area.addEventListener('pointerdown', (event) => {
    if (event.pointerType === 'touch') showAt(event.clientX);
  });
  // Handlers rather than listeners on the svg, which outlives its drawings: the newest drawing's replace the last's.
  root.onkeydown = (event) => {
    const move = moves[event.key];
    if (event.key === 'Escape') hide();
    else if (move && n > 0) show(move(shown, n));
    else return;
    event.preventDefault();
  };
  root.onblur = hide;
}

/** Writes `note` across the middle of the plot, in two lines when one would run over the value axis (on a phone). */
function drawNote(root: SVGSVGElement, frame: Frame, note: string, id: string): void {
  const x = MARGIN.left + frame.plotW / 2;
  const text = svg('text', { class: 'empty', id, x, y: MARGIN.top + PLOT_H / 2, 'text-anchor': 'middle' }, root);
  text.textContent = note;
  if (text.getComputedTextLength() <= frame.plotW) return;
  // Broken between words, or, in a text written without spaces (Chinese), between characters.
  const space = note.includes(' ') ? ' ' : '';
  const words = space ? note.split(' ') : Array.from(note);
  const half = Math.ceil(words.length / 2);
  // The first line keeps its trailing space, so that the text reads as the note whole.
  const lines = [`${words.slice(0, half).join(space)}${space}`, words.slice(half).join(space)];
  text.replaceChildren(...lines.map((line, i) => Object.assign(svg('tspan', { x, dy: i === 0 ? '-0.2em' : '1.3em' }), { textContent: line })));
}

/**
 * Whether the window has anything to draw. Null is no data; a 0 is data, and a line shows it (a hit rate of 0%,
 * a cost of 0), whereas a count of 0 has no bar: a bar chart of nothing but zeros counted nothing.
 */
function drawsSomething(data: ChartData): boolean {
  return data.series.some((s) => s.values.some((v) => v !== null && (data.kind === 'lines' || v > 0)));
}

/** A value as the read-out and the table write it: a dash where there is none. */
function valueText(data: ChartData, value: number | null | undefined): string {
  return value == null ? '–' : data.format(value);
}

/** A cell's text, written only when it changed: a screen reader reading the table is not moved by a refresh. */
function setText(cell: HTMLElement, text: string): void {
  if (cell.textContent !== text) cell.textContent = text;
}

/** The time span of point `i`, with seconds always, or only where the points are shorter than a minute (a table's rows). */
function spanOf(data: ChartData, i: number, seconds = data.stepMs % 60_000 !== 0): string {
  const start = data.times[i]!;
  return `${clock(start, seconds)} – ${clock(start + data.stepMs, seconds)}`;
}

/**
 * Writes the values into the figure's `table.values` (in a `<details>` under the chart): a row a point, newest first,
 * a column a series. It is the chart for whoever does not read the drawing, a screen reader in browse mode among them,
 * which keeps the arrow keys for itself. A refresh changes the cells whose values changed and adds and removes rows
 * as the window moves; the rows that stay are the same elements, so that a reader's place in the table holds.
 */
function drawTable(figure: HTMLElement, data: ChartData, before: number): void {
  const table = figure.querySelector<HTMLTableElement>('table.values');
  if (!table) return;
  const head = table.tHead ?? table.createTHead();
  const headRow = head.rows[0] ?? head.insertRow();
  const headings = [data.timeHeading ?? 'Time', ...data.series.map((s) => s.label)];
  while (headRow.cells.length > headings.length) headRow.lastElementChild!.remove();
  headings.forEach((text, column) => {
    let cell = headRow.cells[column];
    if (!cell) {
      cell = document.createElement('th');
      cell.scope = 'col';
      headRow.append(cell);
    }
    setText(cell, text);
  });
  const body = table.tBodies[0] ?? table.createTBody();
  const kept = new Map<string, HTMLTableRowElement>();
  const shown = new Set(data.times.map(String));
  for (const row of Array.from(body.rows)) {
    const time = row.dataset.time ?? '';
    if (shown.has(time) && !kept.has(time)) kept.set(time, row);
    else row.remove();
  }
  let next: Element | null = body.firstElementChild;
  for (let i = data.times.length - 1; i >= 0; i--) {
    const time = String(data.times[i]);
    let row = kept.get(time);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.time = time;
      const header = document.createElement('th');
      header.scope = 'row';
      row.append(header);
    }
    if (row !== next) body.insertBefore(row, next);
    else next = next.nextElementSibling;
    setText(row.cells[0]!, spanOf(data, i));
    // A point before the figures begin says so, across its row, as its read-out does.
    if (i < before && data.uncounted) {
      while (row.cells.length > 2) row.lastElementChild!.remove();
      const cell = row.cells[1] ?? row.insertCell();
      cell.colSpan = Math.max(1, data.series.length);
      cell.className = 'uncounted';
      setText(cell, data.uncounted);
      continue;
    }
    while (row.cells.length > data.series.length + 1) row.lastElementChild!.remove();
    data.series.forEach((series, column) => {
      const cell = row.cells[column + 1] ?? row.insertCell();
      if (cell.colSpan !== 1) cell.colSpan = 1;
      if (cell.className) cell.className = '';
      setText(cell, valueText(data, series.values[i]));
    });
  }
}

/**
 * Shades the points before the figures begin, behind the marks, with what that means written at its top where it
 * fits: an empty stretch there is no quiet time, but one this instance did not see.
 */
function drawUncounted(root: SVGSVGElement, frame: Frame, data: ChartData, before: number): void {
  if (before === 0) return;
  const width = (before / data.times.length) * frame.plotW;
  const group = svg('g', { class: 'uncounted', 'aria-hidden': 'true' }, root);
  svg('rect', { x: MARGIN.left, y: MARGIN.top, width, height: PLOT_H }, group);
  if (!data.uncounted) return;
  const label = svg('text', { x: MARGIN.left + 4, y: MARGIN.top + 13 }, group);
  label.textContent = data.uncounted;
  if (label.getComputedTextLength() > width - 8) label.remove();
}

/** Draws `data` into the figure's `svg`, its `.legend` list and its `.tip` read-out, replacing what was there. */
export function drawChart(figure: HTMLElement, input: ChartData): void {
  const root = figure.querySelector('svg');
  if (!root) return;
  // The points that ended before the figures begin: found once, for the drawing, its read-out and its table.
  const before = uncountedPoints(input);
  const data = onlyCounted(input, before);
  const width = Math.max(MIN_WIDTH, Math.round(root.parentElement?.clientWidth || 640));
  const frame: Frame = { width, plotW: width - MARGIN.left - MARGIN.right };
  root.replaceChildren();
  root.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  const axis = data.scale === 'log' && data.kind === 'lines' ? logAxis(data) : linearAxis(data);
  drawAxes(root, frame, data, axis);
  const { y } = axis;
  drawUncounted(root, frame, data, before);
  if (data.kind === 'bars') drawBars(root, frame, data, y);
  else drawLines(root, frame, data, y);
  const empty = !drawsSomething(data);
  figure.classList.toggle('is-empty', empty);
  // The chart is an image to a screen reader, which reads none of its parts: an empty one says so in its description.
  const noteId = `${figure.id}-empty`;
  const described = (root.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== noteId);
  if (empty) drawNote(root, frame, data.empty, noteId);
  root.setAttribute('aria-describedby', (empty ? [noteId, ...described] : described).join(' '));
  drawLegend(figure, data);
  attachReadout(figure, root, frame, data, before);
  drawTable(figure, data, before);
}
