// One alert: what it is, the rule's advice, the entities as a graph, the
// evidence rows, and triage (assign, close with a classification,
// comment) saved through `PATCH /api/alerts/{id}`. An alert that belongs
// to an incident links to it.
import { h, api, link, severity, toast, ApiError, techniqueLinks } from './dom.js';
import { role, readOnly, readOnlyReason, disableActions } from './session.js';
import { entityGraph } from './entities.js';
import { grid } from './grid.js';
import { STATUSES } from './alerts.js';

export const CLASSIFICATIONS = [
  ['TruePositive', 'True positive: malicious activity'],
  ['BenignPositive', 'Benign positive: suspicious but expected'],
  ['FalsePositive', 'False positive: incorrect alert logic or data'],
  ['Undetermined', 'Undetermined'],
];
export const ANALYST_KEY = 'dragnet.analyst';

export function list(items, empty) {
  if (!items || items.length === 0) return h('p', { class: 'muted' }, empty);
  return h('ul', {}, items.map((i) => h('li', {}, i)));
}

/** A custom detail's distinct values as text: a list's elements one by one (a `make_list`
 * detail is a list per value), objects as JSON, empty values (null, "") left out, "—" when
 * none is left. */
export function detailText(values) {
  const shown = (values || [])
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v) => v !== null && v !== undefined && v !== '')
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return [...new Set(shown)].join(', ') || '—';
}

export function evidenceGrid(rows) {
  const names = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
  return grid(names.map((n) => ({ name: n, type: '' })), rows, { label: 'Evidence rows', name: 'evidence' });
}

export function alertPage(id) {
  // Why the last change was refused (a read token), until one succeeds.
  const refusal = h('p', { class: 'error', role: 'alert', 'data-testid': 'refusal' });
  // Shown, and the actions disabled, when the token may only read.
  const reason = h('p', { id: 'readonly-reason', class: 'note', 'data-testid': 'readonly' }, readOnlyReason('alerts'));
  let canWrite = true;
  const el = h('div', { class: 'page alert' }, h('p', { class: 'muted' }, 'Loading…'));

  async function load() {
    const asking = role();
    let a;
    try {
      a = await api(`/api/alerts/${encodeURIComponent(id)}`);
    } catch (e) {
      el.replaceChildren(h('h1', {}, 'Alert not found'), h('p', {}, e.message), link('/alerts', 'Back to the queue'));
      return;
    }
    const rule = await api(`/api/rules/${encodeURIComponent(a.rule.id)}`).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    });
    canWrite = !readOnly(await asking);
    draw(a, rule);
  }

  async function patch(body, done) {
    if (!canWrite) {
      toast(reason.textContent);
      return;
    }
    try {
      const a = await api(`/api/alerts/${encodeURIComponent(id)}`, { method: 'PATCH', body });
      toast(done);
      refusal.textContent = '';
      const rule = await api(`/api/rules/${encodeURIComponent(a.rule.id)}`).catch(() => null);
      draw(a, rule);
    } catch (e) {
      toast(`Not saved: ${e.message}`);
      refusal.textContent = `Not saved: ${e.message}`;
    }
  }

  function draw(a, rule) {
    const analyst = localStorage.getItem(ANALYST_KEY) || '';
    const owner = h('input', { id: 'owner', type: 'text', value: a.owner || analyst, autocomplete: 'off' });
    const assign = h('form', { class: 'action', 'aria-label': 'Assign',
      onsubmit: (e) => {
        e.preventDefault();
        const who = owner.value.trim();
        if (who) localStorage.setItem(ANALYST_KEY, who);
        patch({ owner: who, status: a.status === 'New' && who ? 'InProgress' : undefined }, who ? `Assigned to ${who}` : 'Unassigned');
      } },
      h('label', { for: 'owner' }, 'Owner'), owner, h('button', { type: 'submit' }, 'Assign'));

    const status = h('select', { id: 'status' }, STATUSES.map((s) => h('option', { value: s, selected: s === a.status }, s)));
    const setStatus = h('form', { class: 'action', 'aria-label': 'Status',
      onsubmit: (e) => { e.preventDefault(); patch({ status: status.value }, `Status ${status.value}`); } },
      h('label', { for: 'status' }, 'Status'), status, h('button', { type: 'submit' }, 'Set'));

    const cls = h('select', { id: 'classification' }, CLASSIFICATIONS.map(([v, t]) => h('option', { value: v }, t)));
    const why = h('textarea', { id: 'close-comment', rows: 2, placeholder: 'Why (optional)' });
    const close = h('form', { class: 'action column', 'aria-label': 'Close',
      onsubmit: (e) => {
        e.preventDefault();
        const text = `Closed as ${cls.value}${why.value.trim() ? `: ${why.value.trim()}` : ''}`;
        const status = cls.value === 'FalsePositive' || cls.value === 'BenignPositive' ? 'Dismissed' : 'Resolved';
        patch({ status, comment: text, author: owner.value.trim() || analyst }, `Closed as ${cls.value}`);
      } },
      h('label', { for: 'classification' }, 'Close with classification'), cls,
      h('label', { for: 'close-comment', class: 'sr-only' }, 'Closing comment'), why,
      h('button', { type: 'submit', class: 'primary' }, 'Close alert'));

    const comment = h('textarea', { id: 'comment', rows: 2 });
    const addComment = h('form', { class: 'action column', 'aria-label': 'Comment',
      onsubmit: (e) => {
        e.preventDefault();
        if (!comment.value.trim()) return;
        patch({ comment: comment.value.trim(), author: owner.value.trim() || analyst }, 'Comment added');
      } },
      h('label', { for: 'comment' }, 'Comment'), comment, h('button', { type: 'submit' }, 'Add comment'));

    if (!canWrite) disableActions([assign, setStatus, close, addComment], reason);

    const details = Object.entries(a.custom_details || {});
    el.replaceChildren(
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, link('/alerts', 'Alerts'), ' / ', a.id.slice(0, 12)),
      h('div', { class: 'pagehead' }, severity(a.severity), h('h1', {}, a.title)),
      h('dl', { class: 'facts', 'data-testid': 'alert-state' },
        h('dt', {}, 'Status'), h('dd', { 'data-field': 'status' }, a.status),
        h('dt', {}, 'Owner'), h('dd', { 'data-field': 'owner' }, a.owner || 'unassigned'),
        h('dt', {}, 'Rule'), h('dd', {}, a.rule.name),
        h('dt', {}, 'Techniques'), h('dd', {}, techniqueLinks(a.techniques)),
        h('dt', {}, 'Tactics'), h('dd', {}, (a.tactics || []).join(', ') || '—'),
        h('dt', {}, 'Events'), h('dd', {}, `${a.start_time || '?'} – ${a.end_time || '?'} (${a.rows} rows)`),
        a.incident_id ? [h('dt', {}, 'Incident'), h('dd', { 'data-field': 'incident' }, link(`/incidents/${encodeURIComponent(a.incident_id)}`, 'Open the incident'))] : null,
        a.suppressed ? [h('dt', {}, 'Suppressed'), h('dd', {}, 'Yes: raised while its rule was suppressed, so not in an incident')] : null),
      h('div', { class: 'twocol' },
        h('div', {},
          a.description && (!rule || a.description !== rule.description)
            ? h('section', { 'aria-labelledby': 'h-desc' }, h('h2', { id: 'h-desc' }, 'Description'), h('p', {}, a.description)) : null,
          details.length ? h('section', { 'aria-labelledby': 'h-det' }, h('h2', { id: 'h-det' }, 'Details'),
            h('dl', { class: 'facts' }, details.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, detailText(v))]))) : null,
          h('section', { 'aria-labelledby': 'h-ent' }, h('h2', { id: 'h-ent' }, 'Entities'), entityGraph(a.entities)),
          rule ? h('section', { 'aria-labelledby': 'h-rule' }, h('h2', { id: 'h-rule' }, 'About the rule'),
            h('p', {}, rule.description),
            h('h3', {}, 'False positives'), list(rule.false_positives, 'None documented.'),
            h('h3', {}, 'Tuning'), list(rule.tuning, 'No tuning advice.')) : null),
        h('aside', { class: 'actions', 'aria-label': 'Triage' },
          h('h2', {}, 'Triage'), canWrite ? null : reason, refusal, assign, setStatus, close, addComment,
          h('h2', {}, 'Comments'),
          list((a.comments || []).map((c) => `${c.time.replace('T', ' ').slice(0, 19)} ${c.author || 'someone'}: ${c.text}`), 'No comments yet.'))),
      h('section', { 'aria-labelledby': 'h-ev' }, h('h2', { id: 'h-ev' }, `Evidence (${(a.evidence || []).length} of ${a.rows} rows)`),
        evidenceGrid(a.evidence || [])));
  }

  return { el, ready: load() };
}
