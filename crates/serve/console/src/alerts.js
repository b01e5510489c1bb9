// The alert queue: newest first, filtered by status and severity, paged,
// with new alerts arriving live over the server's event stream.
import { h, api, link, severity, toast } from './dom.js';
import { liveEvents } from './stream.js';
import { entitySummary } from './entities.js';

const PAGE = 100;
export const STATUSES = ['New', 'InProgress', 'Resolved', 'Dismissed'];
const SEVERITIES = ['High', 'Medium', 'Low', 'Informational'];

/** A datetime as the queues show it: no `T`, no fraction, no `Z`. */
export function time(t) {
  return t ? t.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

export function alertRow(a) {
  return h('tr', { 'data-alert': a.id },
    h('td', {}, severity(a.severity)),
    h('td', { class: 'title' }, link(`/alerts/${encodeURIComponent(a.id)}`, a.title)),
    h('td', {}, (a.techniques || []).join(', ')),
    h('td', { class: 'rule' }, a.rule && a.rule.name),
    h('td', { class: 'ents' }, entitySummary(a.entities)),
    h('td', {}, h('span', { class: `status st-${a.status}` }, a.status),
      a.suppressed ? h('span', { class: 'muted small', title: 'Raised while its rule was suppressed: not published, in no incident' }, ' suppressed') : null),
    h('td', {}, a.owner || ''),
    h('td', { class: 'nowrap' }, time(a.time)));
}

export function alertsPage() {
  const params = new URLSearchParams(location.search);
  let offset = Number(params.get('offset')) || 0;
  const status = h('select', { id: 'f-status' }, h('option', { value: '' }, 'Any'), STATUSES.map((s) => h('option', { value: s }, s)));
  const sev = h('select', { id: 'f-sev' }, h('option', { value: '' }, 'Any'), SEVERITIES.map((s) => h('option', { value: s }, s)));
  status.value = params.get('status') || '';
  sev.value = params.get('severity') || '';
  const total = h('span', { 'data-testid': 'alert-total' });
  const live = h('span', { class: 'live', 'data-testid': 'live' }, 'connecting');
  const tbody = h('tbody');
  const prev = h('button', { type: 'button', onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, 'Newer');
  const next = h('button', { type: 'button', onclick: () => { offset += PAGE; load(); } }, 'Older');
  const pos = h('span', { class: 'muted' });
  const onFilter = () => { offset = 0; load(); };
  status.addEventListener('change', onFilter);
  sev.addEventListener('change', onFilter);

  const rule = params.get('rule') || '';
  const ruleChip = rule ? h('span', { class: 'chip' }, `Rule ${rule} `, h('a', { href: '/alerts' }, 'clear')) : null;
  let count = 0;
  async function load() {
    const q = new URLSearchParams({ limit: PAGE, offset });
    if (status.value) q.set('status', status.value);
    if (sev.value) q.set('severity', sev.value);
    if (rule) q.set('rule', rule);
    const shown = new URLSearchParams(q);
    shown.delete('limit');
    if (offset === 0) shown.delete('offset');
    history.replaceState(null, '', `/alerts${shown.toString() ? `?${shown}` : ''}`);
    const res = await api(`/api/alerts?${q}`);
    count = res.total;
    total.textContent = `${res.total} alerts`;
    tbody.replaceChildren(...res.alerts.map(alertRow));
    if (res.alerts.length === 0) tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No alerts match.')));
    prev.disabled = offset === 0;
    next.disabled = res.next_offset === null;
    pos.textContent = res.total ? `${offset + 1}–${offset + res.alerts.length}` : '';
  }

  function onEvent(data) {
    const a = JSON.parse(data);
    if (offset !== 0 || (rule && a.rule.id !== rule) || (status.value && a.status !== status.value) || (sev.value && a.severity !== sev.value)) return;
    count += 1;
    total.textContent = `${count} alerts`;
    tbody.prepend(alertRow(a));
    while (tbody.children.length > PAGE) tbody.lastChild.remove();
    toast(`New alert: ${a.title}`);
  }
  const close = liveEvents({ alert: onEvent, lagged: () => load() }, (open) => {
    live.textContent = open ? 'live' : 'reconnecting';
    live.classList.toggle('on', open);
  });

  const el = h('div', { class: 'page alerts' },
    h('div', { class: 'pagehead' }, h('h1', {}, 'Alerts'), total, live),
    h('div', { class: 'toolbar' },
      h('label', { for: 'f-status' }, 'Status'), status,
      h('label', { for: 'f-sev' }, 'Severity'), sev, ruleChip,
      h('span', { class: 'spacer' }), pos, prev, next),
    h('table', { class: 'table', 'aria-label': 'Alert queue' },
      h('thead', {}, h('tr', {}, ['Severity', 'Alert', 'Technique', 'Rule', 'Entities', 'Status', 'Owner', 'Time'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  return { el, ready: load(), leave: close };
}
