// The ATT&CK Containers matrix as a heat map of rules, attack tests or
// alerts per technique.
import { h, api, link } from './dom.js';

const METRICS = [['rules', 'Rules'], ['tests', 'Attack tests'], ['alerts', 'Alerts']];

function value(cell, metric) {
  return metric === 'rules' ? cell.rules.length : cell[metric];
}

export function coveragePage() {
  const matrix = h('div', { class: 'matrix', 'data-testid': 'matrix' });
  const summary = h('span', { class: 'muted' });
  const detail = h('section', { class: 'celldetail', 'aria-live': 'polite' });
  let data = null;
  let names = new Map();
  let metric = 'rules';
  const buttons = METRICS.map(([m, label]) => h('button', {
    type: 'button', 'aria-pressed': m === metric ? 'true' : 'false', 'data-metric': m,
    onclick: () => { metric = m; buttons.forEach((b) => b.setAttribute('aria-pressed', b.dataset.metric === m ? 'true' : 'false')); draw(); },
  }, label));

  function show(cell) {
    detail.replaceChildren(
      h('h2', {}, `${cell.id} ${cell.name}`),
      h('p', {}, `${cell.rules.length} rules, ${cell.tests} attack tests, ${cell.alerts} alerts`,
        cell.via_sub_techniques ? `, ${cell.via_sub_techniques} rules through sub-techniques` : ''),
      cell.rules.length ? h('p', {}, h('a', { href: `/catalog/techniques/${encodeURIComponent(cell.id)}.html`, 'data-catalog': cell.id },
        `${cell.id} in the catalog`)) : null,
      cell.rules.length ? h('ul', {}, cell.rules.map((r) => h('li', {}, link(`/alerts?rule=${encodeURIComponent(r)}`, names.get(r) || r)))) : h('p', { class: 'muted' }, 'No rule covers this technique.'));
  }

  function draw() {
    const max = Math.max(1, ...data.tactics.flatMap((t) => t.cells.map((c) => value(c, metric))));
    matrix.replaceChildren(...data.tactics.map((t) => h('div', { class: 'mcol', role: 'group', 'aria-label': t.name },
      h('h2', { class: 'mhead', title: t.id }, t.name),
      t.cells.map((c) => {
        const v = value(c, metric);
        // Log scale: one rule and ten thousand alerts both show.
        const level = v === 0 ? (c.via_sub_techniques ? 1 : 0) : 1 + Math.ceil((Math.log1p(v) / Math.log1p(max)) * 4);
        return h('button', {
          type: 'button', class: `mcell heat-${level}`, 'data-technique': c.id,
          onclick: () => show(c),
        }, h('span', { class: 'mid' }, c.id), h('span', { class: 'mname' }, c.name), h('span', { class: 'mval' }, String(v), h('span', { class: 'sr-only' }, ` ${metric}`)));
      }))));
    const cells = data.tactics.flatMap((t) => t.cells);
    const covered = cells.filter((c) => c.rules.length > 0).length;
    summary.textContent = `ATT&CK v${data.attack_version} Containers: ${covered} of ${cells.length} techniques covered by a rule`;
  }

  async function load() {
    const [cov, rules] = await Promise.all([api('/api/coverage'), api('/api/rules')]);
    data = cov;
    names = new Map(rules.rules.map((r) => [r.id, r.name]));
    draw();
  }

  const el = h('div', { class: 'page coverage' },
    h('div', { class: 'pagehead' }, h('h1', {}, 'Coverage'), summary),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Heat map of' }, h('span', {}, 'Heat map of'), buttons),
    matrix, detail);
  return { el, ready: load() };
}
