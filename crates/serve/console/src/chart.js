// `render` drawn as SVG: timechart (and linechart/areachart) as lines over
// time, barchart (horizontal) and columnchart (vertical) as bars,
// piechart as a pie. The first datetime (time charts) or text column
// names the points, numeric columns are the series; for a time chart a
// text column splits the series.
import { h, svg, cellText } from './dom.js';

const COLORS = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)'];
const NUMERIC = /^(long|int|real|double|decimal)$/;

/** The `render` kind a query ends with, if any (outside strings). */
export function renderKind(query) {
  const code = query.replace(/\/\/.*$/gm, '').replace(/"(\\.|[^"\\])*"|'(\\.|[^'\\])*'/g, '""');
  const m = code.match(/\|\s*render\s+([a-z]+)/g);
  if (!m) return null;
  return m[m.length - 1].replace(/\|\s*render\s+/, '');
}

function numericColumns(columns) {
  return columns.filter((c) => NUMERIC.test(c.type) || /^(Int|UInt|Float)/.test(c.type));
}

function legend(names) {
  return h('ul', { class: 'legend' }, names.map((n, i) => h('li', {},
    h('span', { class: 'swatch', style: `background:${COLORS[i % COLORS.length]}` }), n)));
}

function figure(kind, title, body, names) {
  return h('figure', { class: 'chart', 'data-chart': kind },
    h('figcaption', {}, title), body, names.length > 1 ? legend(names) : null);
}

function timechart(columns, rows, kind) {
  const time = columns.find((c) => /datetime|Timestamp/i.test(c.type));
  const values = numericColumns(columns);
  if (!time || values.length === 0) return null;
  const split = columns.find((c) => c !== time && !values.includes(c) && /string|Utf8/i.test(c.type));
  const series = new Map();
  for (const r of rows) {
    const x = Date.parse(r[time.name]);
    if (Number.isNaN(x)) continue;
    for (const v of values) {
      const key = split ? `${cellText(r[split.name])}${values.length > 1 ? ` · ${v.name}` : ''}` : v.name;
      if (!series.has(key)) series.set(key, []);
      series.get(key).push([x, Number(r[v.name]) || 0]);
    }
  }
  const all = [...series.values()].flat();
  if (all.length === 0) return null;
  const [W, H, L, B] = [720, 260, 48, 28];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  const y1 = Math.max(1, ...ys);
  const sx = (x) => L + ((x - x0) / Math.max(1, x1 - x0)) * (W - L - 8);
  const sy = (y) => H - B - (y / y1) * (H - B - 8);
  const lines = [...series.entries()].map(([, pts], i) => {
    pts.sort((a, b) => a[0] - b[0]);
    const d = pts.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    const color = COLORS[i % COLORS.length];
    // Points as dots too: a series of one point has no line.
    const dots = pts.map((p) => svg('circle', { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 3, fill: color }));
    return [svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }), ...dots];
  });
  const axis = [
    svg('line', { x1: L, y1: H - B, x2: W - 8, y2: H - B, class: 'axis' }),
    svg('line', { x1: L, y1: 8, x2: L, y2: H - B, class: 'axis' }),
    svg('text', { x: L - 6, y: 14, 'text-anchor': 'end', class: 'tick' }, String(y1)),
    svg('text', { x: L - 6, y: H - B, 'text-anchor': 'end', class: 'tick' }, '0'),
    svg('text', { x: L, y: H - 8, class: 'tick' }, new Date(x0).toISOString().slice(0, 16).replace('T', ' ')),
    svg('text', { x: W - 8, y: H - 8, 'text-anchor': 'end', class: 'tick' }, new Date(x1).toISOString().slice(0, 16).replace('T', ' ')),
  ];
  const names = [...series.keys()];
  const title = `${values.map((v) => v.name).join(', ')} over ${time.name}${split ? ` by ${split.name}` : ''}`;
  const body = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${kind}: ${title}` }, axis, lines);
  return figure(kind, title, body, names);
}

function categories(columns, rows) {
  const values = numericColumns(columns);
  const label = columns.find((c) => !values.includes(c)) || columns[0];
  const value = values.find((c) => c !== label);
  if (!value) return null;
  const points = rows.slice(0, 50).map((r) => [cellText(r[label.name]), Number(r[value.name]) || 0]);
  return { label, value, points };
}

function bars(columns, rows, kind) {
  const c = categories(columns, rows);
  if (!c) return null;
  const max = Math.max(1, ...c.points.map((p) => p[1]));
  const vertical = kind === 'columnchart';
  const n = c.points.length;
  const [W, H] = vertical ? [720, 260] : [720, Math.max(60, n * 24 + 8)];
  const items = c.points.flatMap(([name, v], i) => {
    if (vertical) {
      const bw = (W - 16) / n;
      const bh = (v / max) * (H - 48);
      return [
        svg('rect', { x: 8 + i * bw + 2, y: H - 28 - bh, width: Math.max(1, bw - 4), height: bh, fill: COLORS[0] }, svg('title', {}, `${name}: ${v}`)),
        svg('text', { x: 8 + i * bw + bw / 2, y: H - 12, 'text-anchor': 'middle', class: 'tick' }, name.slice(0, 12)),
      ];
    }
    const bw = (v / max) * (W - 220);
    return [
      svg('text', { x: 152, y: 8 + i * 24 + 15, 'text-anchor': 'end', class: 'tick' }, name.slice(0, 22)),
      svg('rect', { x: 160, y: 8 + i * 24 + 3, width: Math.max(1, bw), height: 18, fill: COLORS[0] }, svg('title', {}, `${name}: ${v}`)),
      svg('text', { x: 166 + bw, y: 8 + i * 24 + 16, class: 'tick' }, String(v)),
    ];
  });
  const body = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${kind} of ${c.value.name} by ${c.label.name}` }, items);
  return figure(kind, `${c.value.name} by ${c.label.name}`, body, []);
}

function pie(columns, rows) {
  const c = categories(columns, rows);
  if (!c) return null;
  const total = c.points.reduce((s, p) => s + Math.max(0, p[1]), 0) || 1;
  let angle = -Math.PI / 2;
  const [cx, cy, r] = [130, 130, 120];
  const slices = c.points.map(([name, v], i) => {
    const a = (Math.max(0, v) / total) * Math.PI * 2;
    const [x0, y0] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
    angle += a;
    const [x1, y1] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
    const d = a >= Math.PI * 2 - 1e-9
      ? `M${cx - r},${cy}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`
      : `M${cx},${cy}L${x0},${y0}A${r},${r} 0 ${a > Math.PI ? 1 : 0},1 ${x1},${y1}Z`;
    return svg('path', { d, fill: COLORS[i % COLORS.length] }, svg('title', {}, `${name}: ${v}`));
  });
  const body = svg('svg', { viewBox: '0 0 260 260', class: 'pie', role: 'img', 'aria-label': `piechart of ${c.value.name} by ${c.label.name}` }, slices);
  return figure('piechart', `${c.value.name} by ${c.label.name}`, body, c.points.map((p) => `${p[0]} (${p[1]})`));
}

/** The chart for `kind` over a result, or null when it cannot be drawn. */
export function chart(kind, columns, rows) {
  switch (kind) {
    case 'timechart': case 'linechart': case 'areachart': return timechart(columns, rows, kind);
    case 'barchart': case 'columnchart': return bars(columns, rows, kind);
    case 'piechart': return pie(columns, rows);
    default: return null;
  }
}
