// The incident queue: newest first, filtered by status, severity and
// owner, paged, with incidents made or changed arriving live over the
// server's event stream.
import { h, api, link, severity, toast } from './dom.js';
import { liveEvents } from './stream.js';
import { time } from './alerts.js';

const PAGE = 100;
export const INCIDENT_STATUSES = ['New', 'Active', 'Closed'];
const SEVERITIES = ['High', 'Medium', 'Low', 'Informational'];

function incidentRow(i) {
  return h('tr', { 'data-incident': i.id },
    h('td', {}, severity(i.severity)),
    h('td', { class: 'num' }, String(i.number)),
    h('td', { class: 'title' }, link(`/incidents/${encodeURIComponent(i.id)}`, i.title)),
    h('td', {}, h('span', { class: `status st-${i.status}` }, i.status)),
    h('td', { 'data-field': 'owner' }, i.owner || ''),
    h('td', { class: 'num', 'data-field': 'alerts' }, String(i.alert_count)),
    h('td', {}, (i.techniques || []).join(', ')),
    h('td', { class: 'nowrap' }, time(i.last_activity)));
}

export function incidentsPage() {
  const params = new URLSearchParams(location.search);
  let offset = Number(params.get('offset')) || 0;
  const status = h('select', { id: 'f-status' }, h('option', { value: '' }, 'Any'), INCIDENT_STATUSES.map((s) => h('option', { value: s }, s)));
  const sev = h('select', { id: 'f-sev' }, h('option', { value: '' }, 'Any'), SEVERITIES.map((s) => h('option', { value: s }, s)));
  const owner = h('input', { id: 'f-owner', type: 'text', size: 12, autocomplete: 'off', placeholder: 'anyone' });
  status.value = params.get('status') || '';
  sev.value = params.get('severity') || '';
  owner.value = params.get('owner') || '';
  const total = h('span', { 'data-testid': 'incident-total' });
  const live = h('span', { class: 'live', 'data-testid': 'live' }, 'connecting');
  const tbody = h('tbody');
  const prev = h('button', { type: 'button', onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, 'Newer');
  const next = h('button', { type: 'button', onclick: () => { offset += PAGE; load(); } }, 'Older');
  const pos = h('span', { class: 'muted' });
  const onFilter = () => { offset = 0; load(); };
  status.addEventListener('change', onFilter);
  sev.addEventListener('change', onFilter);
  const ownerForm = h('form', { class: 'inline', 'aria-label': 'Filter by owner', onsubmit: (e) => { e.preventDefault(); onFilter(); } },
    h('label', { for: 'f-owner' }, 'Owner'), owner, h('button', { type: 'submit' }, 'Filter'));

  let count = 0;
  let newest = 0;
  async function load() {
    const q = new URLSearchParams({ limit: PAGE, offset });
    if (status.value) q.set('status', status.value);
    if (sev.value) q.set('severity', sev.value);
    if (owner.value.trim()) q.set('owner', owner.value.trim());
    const shown = new URLSearchParams(q);
    shown.delete('limit');
    if (offset === 0) shown.delete('offset');
    history.replaceState(null, '', `/incidents${shown.toString() ? `?${shown}` : ''}`);
    const res = await api(`/api/incidents?${q}`);
    count = res.total;
    newest = res.incidents.reduce((m, i) => Math.max(m, i.number), newest);
    total.textContent = `${res.total} incidents`;
    tbody.replaceChildren(...res.incidents.map(incidentRow));
    if (res.incidents.length === 0) tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No incidents match.')));
    prev.disabled = offset === 0;
    next.disabled = res.next_offset === null;
    pos.textContent = res.total ? `${offset + 1}–${offset + res.incidents.length}` : '';
  }

  function matches(i) {
    return (!status.value || i.status === status.value) && (!sev.value || i.severity === sev.value)
      && (!owner.value.trim() || i.owner === owner.value.trim());
  }

  function onEvent(data) {
    const i = JSON.parse(data);
    const row = [...tbody.querySelectorAll('tr[data-incident]')].find((r) => r.dataset.incident === i.id);
    if (row) {
      // A change to a listed incident: redrawn in place, or gone when it
      // no longer matches the filter.
      if (matches(i)) row.replaceWith(incidentRow(i));
      else { row.remove(); count -= 1; total.textContent = `${count} incidents`; }
      return;
    }
    if (offset !== 0 || i.number <= newest || !matches(i)) return;
    newest = i.number;
    count += 1;
    total.textContent = `${count} incidents`;
    tbody.querySelector('tr:not([data-incident])')?.remove();
    tbody.prepend(incidentRow(i));
    while (tbody.children.length > PAGE) tbody.lastChild.remove();
    toast(`New incident: ${i.title}`);
  }
  const close = liveEvents({ incident: onEvent, lagged: () => load() }, (open) => {
    live.textContent = open ? 'live' : 'reconnecting';
    live.classList.toggle('on', open);
  });

  const el = h('div', { class: 'page incidents' },
    h('div', { class: 'pagehead' }, h('h1', {}, 'Incidents'), total, live),
    h('div', { class: 'toolbar' },
      h('label', { for: 'f-status' }, 'Status'), status,
      h('label', { for: 'f-sev' }, 'Severity'), sev, ownerForm,
      h('span', { class: 'spacer' }), pos, prev, next),
    h('table', { class: 'table', 'aria-label': 'Incident queue' },
      h('thead', {}, h('tr', {}, ['Severity', 'Number', 'Incident', 'Status', 'Owner', 'Alerts', 'Techniques', 'Last activity']
        .map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  return { el, ready: load(), leave: close };
}
