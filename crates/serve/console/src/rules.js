// Every loaded rule with its state, schedule, last run, error and alerts.
import { h, api, link, severity, techniqueLinks } from './dom.js';

function time(t) {
  return t ? t.replace('T', ' ').slice(0, 19) : '—';
}

export function rulesPage() {
  const tbody = h('tbody');
  const filter = h('input', { type: 'search', id: 'rule-filter', placeholder: 'Filter rules' });
  const summary = h('span', { class: 'muted' });
  let rules = [];

  function draw() {
    const f = filter.value.toLowerCase();
    const shown = rules.filter((r) => !f || `${r.id} ${r.name} ${r.techniques.join(' ')} ${r.tactics.join(' ')}`.toLowerCase().includes(f));
    tbody.replaceChildren(...shown.map((r) => h('tr', { 'data-rule': r.id },
      h('td', {}, h('span', { class: `status st-${r.state}` }, r.state)),
      h('td', {}, h('div', { class: 'strong' }, r.name), h('div', { class: 'muted small' }, r.id)),
      h('td', {}, severity(r.severity)),
      h('td', {}, r.kind, r.query_frequency ? h('div', { class: 'muted small' }, `every ${r.query_frequency} over ${r.query_period}`) : null),
      h('td', {}, techniqueLinks(r.techniques)),
      h('td', { class: 'nowrap' }, time(r.last_run)),
      h('td', { class: 'num' }, r.runs),
      h('td', { class: 'num' }, r.tests),
      h('td', { class: 'num' }, r.alerts > 0 ? link(`/alerts?rule=${encodeURIComponent(r.id)}`, String(r.alerts)) : '0'),
      h('td', { class: 'error small' }, r.last_error || ''))));
    summary.textContent = `${shown.length} of ${rules.length} rules, ${rules.filter((r) => r.state === 'failing').length} failing`;
  }
  filter.addEventListener('input', draw);

  async function load() {
    rules = (await api('/api/rules')).rules;
    // Each rule's attack tests come with the rule in full.
    const full = await Promise.all(rules.map((r) => api(`/api/rules/${encodeURIComponent(r.id)}`)));
    rules.forEach((r, i) => { r.tests = full[i].tests.length; });
    draw();
  }

  const el = h('div', { class: 'page rules' },
    h('div', { class: 'pagehead' }, h('h1', {}, 'Rules'), summary),
    h('div', { class: 'toolbar' }, h('label', { for: 'rule-filter' }, 'Filter'), filter),
    h('table', { class: 'table', 'aria-label': 'Loaded rules' },
      h('thead', {}, h('tr', {}, ['State', 'Rule', 'Severity', 'Kind', 'Techniques', 'Last run', 'Runs', 'Tests', 'Alerts', 'Error'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  return { el, ready: load() };
}
