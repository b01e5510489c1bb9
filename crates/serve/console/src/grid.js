// A virtualised results grid: only the rows in view are in the page, so
// tens of thousands of rows scroll as fast as ten. Sort by a column
// (click or Enter on its header), filter on any cell's text, copy as tab
// separated text, export as CSV or JSON.
import { h, cellText, download, toast } from './dom.js';

const ROW = 28;
const OVERSCAN = 8;
const MAX_HEIGHT = 420;

function csvField(v) {
  const s = cellText(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return cellText(a).localeCompare(cellText(b), undefined, { numeric: true });
}

/** A column's width from its name and the text of its first rows, so
 * every row, drawn alone, lines up with the header. */
function columnWidth(column, rows) {
  let chars = column.name.length + 2;
  for (let i = 0; i < Math.min(rows.length, 200); i++) {
    chars = Math.max(chars, cellText(rows[i][column.name]).length);
  }
  return Math.min(360, Math.max(80, Math.round(chars * 7.3 + 18)));
}

/**
 * A grid over `columns` ([{name, type}]) and `rows` (objects by column
 * name). `label` names it for assistive technology.
 */
export function grid(columns, rows, { label = 'Results', name = 'results' } = {}) {
  let sortBy = null;
  let desc = false;
  let filter = '';
  let view = rows;

  const count = h('span', { class: 'muted', 'data-testid': 'row-count' });
  const filterBox = h('input', {
    type: 'search', placeholder: 'Filter rows', 'aria-label': `Filter ${label.toLowerCase()}`,
    oninput: (e) => { filter = e.target.value.toLowerCase(); refresh(); },
  });
  const copy = h('button', { type: 'button', onclick: () => copyRows() }, 'Copy');
  const csv = h('button', { type: 'button', onclick: () => exportCsv() }, 'Export CSV');
  const json = h('button', { type: 'button', onclick: () => exportJson() }, 'Export JSON');
  const bar = h('div', { class: 'gridbar' }, filterBox, copy, csv, json, count);

  const template = columns.map((c) => `${columnWidth(c, rows)}px`).join(' ');
  const headers = columns.map((c, i) => h('div', {
    role: 'columnheader', class: 'gh', tabindex: 0, 'aria-sort': 'none', title: `${c.name} (${c.type})`,
    onclick: () => sort(i),
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(i); } },
  }, c.name));
  const head = h('div', { role: 'row', class: 'grow ghead', style: `grid-template-columns:${template}` }, headers);
  const body = h('div', { class: 'gbody', role: 'rowgroup' });
  const spacer = h('div', { class: 'gspacer' });
  const scroller = h('div', {
    class: 'gscroll', tabindex: 0, role: 'grid', 'aria-label': label, 'aria-colcount': columns.length,
    onscroll: () => draw(),
    onkeydown: (e) => {
      const step = { ArrowDown: ROW, ArrowUp: -ROW, PageDown: scroller.clientHeight, PageUp: -scroller.clientHeight }[e.key];
      if (step) { e.preventDefault(); scroller.scrollTop += step; }
    },
  }, h('div', { role: 'rowgroup', class: 'gheadwrap' }, head), spacer);
  spacer.append(body);
  const el = h('div', { class: 'grid', 'data-grid': name }, bar, scroller);

  function sort(i) {
    const name = columns[i].name;
    if (sortBy === name) desc = !desc; else { sortBy = name; desc = false; }
    headers.forEach((hd, j) => hd.setAttribute('aria-sort', j === i ? (desc ? 'descending' : 'ascending') : 'none'));
    refresh();
  }

  function refresh() {
    view = filter
      ? rows.filter((r) => columns.some((c) => cellText(r[c.name]).toLowerCase().includes(filter)))
      : rows.slice();
    if (sortBy !== null) {
      view.sort((a, b) => compare(a[sortBy], b[sortBy]) * (desc ? -1 : 1));
    }
    scroller.setAttribute('aria-rowcount', view.length + 1);
    count.textContent = view.length === rows.length ? `${rows.length} rows` : `${view.length} of ${rows.length} rows`;
    spacer.style.height = `${view.length * ROW}px`;
    // As tall as the rows need, up to a screenful.
    scroller.style.height = `${Math.min(MAX_HEIGHT, (view.length + 1) * ROW + 20)}px`;
    draw();
  }

  function draw() {
    const top = scroller.scrollTop;
    const height = scroller.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(view.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    body.style.transform = `translateY(${first * ROW}px)`;
    const out = [];
    for (let i = first; i < last; i++) {
      const r = view[i];
      out.push(h('div', { role: 'row', class: 'grow', 'aria-rowindex': i + 2, style: `grid-template-columns:${template}` },
        columns.map((c) => {
          const t = cellText(r[c.name]);
          return h('div', { role: 'gridcell', class: 'gc', title: t.length > 40 ? t : null }, t);
        })));
    }
    body.replaceChildren(...out);
  }

  function tsv() {
    const lines = [columns.map((c) => c.name).join('\t')];
    for (const r of view) lines.push(columns.map((c) => cellText(r[c.name]).replace(/[\t\n]/g, ' ')).join('\t'));
    return lines.join('\n');
  }

  async function copyRows() {
    try {
      await navigator.clipboard.writeText(tsv());
      toast(`Copied ${view.length} rows`);
    } catch {
      toast('The browser did not allow copying; use Export instead');
    }
  }

  function exportCsv() {
    const lines = [columns.map((c) => csvField(c.name)).join(',')];
    for (const r of view) lines.push(columns.map((c) => csvField(r[c.name])).join(','));
    download(`${name}.csv`, 'text/csv', `${lines.join('\r\n')}\r\n`);
  }

  function exportJson() {
    download(`${name}.json`, 'application/json', JSON.stringify(view, null, 2));
  }

  refresh();
  // The first draw after the grid is in the page knows its height.
  requestAnimationFrame(() => draw());
  return el;
}
