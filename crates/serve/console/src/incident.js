// One incident: its alerts, their entities as a graph, the evidence rows,
// the rule's advice, and triage (assign, status, close with a
// classification, comment) saved through `PATCH /api/incidents/{id}`.
import { h, api, link, severity, toast, ApiError, techniqueLinks } from './dom.js';
import { role, readOnly, readOnlyReason, disableActions } from './session.js';
import { entityGraph } from './entities.js';
import { alertRow, time } from './alerts.js';
import { CLASSIFICATIONS, ANALYST_KEY, list, evidenceGrid } from './alert.js';

/** The reasons Sentinel allows with each classification. */
const REASONS = {
  TruePositive: [['SuspiciousActivity', 'Suspicious activity']],
  BenignPositive: [['SuspiciousButExpected', 'Suspicious but expected']],
  FalsePositive: [['IncorrectAlertLogic', 'Incorrect alert logic'], ['InaccurateData', 'Inaccurate data']],
  Undetermined: [],
};

export function incidentPage(id) {
  // Why the last change was refused (a read token), until one succeeds.
  const refusal = h('p', { class: 'error', role: 'alert', 'data-testid': 'refusal' });
  // Shown, and the actions disabled, when the token may only read.
  const reason = h('p', { id: 'readonly-reason', class: 'note', 'data-testid': 'readonly' }, readOnlyReason('incidents'));
  let canWrite = true;
  const el = h('div', { class: 'page incident' }, h('p', { class: 'muted' }, 'Loading…'));
  const path = `/api/incidents/${encodeURIComponent(id)}`;

  async function ruleOf(i) {
    return api(`/api/rules/${encodeURIComponent(i.rule.id)}`).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    });
  }

  async function load() {
    const asking = role();
    let i;
    try {
      i = await api(path);
    } catch (e) {
      el.replaceChildren(h('h1', {}, 'Incident not found'), h('p', {}, e.message), link('/incidents', 'Back to the queue'));
      return;
    }
    const r = await ruleOf(i);
    canWrite = !readOnly(await asking);
    draw(i, r);
  }

  let rule = null;
  async function patch(body, done) {
    if (!canWrite) {
      toast(reason.textContent);
      return;
    }
    try {
      const i = await api(path, { method: 'PATCH', body });
      toast(done);
      refusal.textContent = '';
      draw(i, rule);
    } catch (e) {
      toast(`Not saved: ${e.message}`);
      refusal.textContent = `Not saved: ${e.message}`;
    }
  }

  function draw(i, r) {
    rule = r;
    const analyst = localStorage.getItem(ANALYST_KEY) || '';
    const closed = i.status === 'Closed';
    const owner = h('input', { id: 'owner', type: 'text', value: i.owner || analyst, autocomplete: 'off' });
    const assign = h('form', { class: 'action', 'aria-label': 'Assign',
      onsubmit: (e) => {
        e.preventDefault();
        const who = owner.value.trim();
        if (who) localStorage.setItem(ANALYST_KEY, who);
        patch({ owner: who, status: i.status === 'New' && who ? 'Active' : undefined }, who ? `Assigned to ${who}` : 'Unassigned');
      } },
      h('label', { for: 'owner' }, 'Owner'), owner, h('button', { type: 'submit' }, 'Assign'));

    const status = h('select', { id: 'status' }, ['New', 'Active'].map((s) => h('option', { value: s, selected: s === i.status }, s)));
    const setStatus = h('form', { class: 'action', 'aria-label': 'Status',
      onsubmit: (e) => { e.preventDefault(); patch({ status: status.value }, closed ? `Reopened as ${status.value}` : `Status ${status.value}`); } },
      h('label', { for: 'status' }, closed ? 'Reopen as' : 'Status'), status, h('button', { type: 'submit' }, closed ? 'Reopen' : 'Set'));

    const cls = h('select', { id: 'classification' }, CLASSIFICATIONS.map(([v, t]) => h('option', { value: v }, t)));
    const reason = h('select', { id: 'reason' });
    const fillReasons = () => {
      const list = REASONS[cls.value] || [];
      reason.replaceChildren(h('option', { value: '' }, list.length ? 'Not given' : 'None for this classification'),
        ...list.map(([v, t]) => h('option', { value: v }, t)));
      reason.disabled = list.length === 0;
    };
    cls.addEventListener('change', fillReasons);
    fillReasons();
    const why = h('textarea', { id: 'close-comment', rows: 2, placeholder: 'Why (optional)' });
    const close = h('form', { class: 'action column', 'aria-label': 'Close',
      onsubmit: (e) => {
        e.preventDefault();
        patch({
          status: 'Closed',
          classification: cls.value,
          classification_reason: reason.value || undefined,
          classification_comment: why.value.trim() || undefined,
          author: owner.value.trim() || analyst || undefined,
        }, `Closed as ${cls.value}`);
      } },
      h('label', { for: 'classification' }, 'Close with classification'), cls,
      h('label', { for: 'reason' }, 'Reason'), reason,
      h('label', { for: 'close-comment', class: 'sr-only' }, 'Classification comment'), why,
      h('button', { type: 'submit', class: 'primary' }, 'Close incident'));

    const comment = h('textarea', { id: 'comment', rows: 2 });
    const addComment = h('form', { class: 'action column', 'aria-label': 'Comment',
      onsubmit: (e) => {
        e.preventDefault();
        if (!comment.value.trim()) return;
        patch({ comment: comment.value.trim(), author: owner.value.trim() || analyst }, 'Comment added');
      } },
      h('label', { for: 'comment' }, 'Comment'), comment, h('button', { type: 'submit' }, 'Add comment'));

    if (!canWrite) disableActions([assign, setStatus, closed ? null : close, addComment], reason);

    const classification = i.classification
      ? [i.classification, i.classification_reason ? ` (${i.classification_reason})` : '', i.classification_comment ? `: ${i.classification_comment}` : ''].join('')
      : '—';
    const evidence = (i.evidence || []).map((e) => ({ Alert: e.alert_id.slice(0, 12), ...e.row }));
    el.replaceChildren(
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, link('/incidents', 'Incidents'), ` / #${i.number}`),
      h('div', { class: 'pagehead' }, severity(i.severity), h('h1', {}, i.title)),
      h('dl', { class: 'facts', 'data-testid': 'incident-state' },
        h('dt', {}, 'Status'), h('dd', { 'data-field': 'status' }, i.status),
        h('dt', {}, 'Owner'), h('dd', { 'data-field': 'owner' }, i.owner || 'unassigned'),
        h('dt', {}, 'Classification'), h('dd', { 'data-field': 'classification' }, classification),
        h('dt', {}, 'Rule'), h('dd', {}, i.rule.name),
        h('dt', {}, 'Techniques'), h('dd', {}, techniqueLinks(i.techniques)),
        h('dt', {}, 'Tactics'), h('dd', {}, (i.tactics || []).join(', ') || '—'),
        h('dt', {}, 'Activity'), h('dd', {}, `${time(i.first_activity)} – ${time(i.last_activity)}`)),
      h('div', { class: 'twocol' },
        h('div', {},
          h('section', { 'aria-labelledby': 'h-alerts' }, h('h2', { id: 'h-alerts' }, `Alerts (${i.alert_count})`),
            h('div', { class: 'scrollbox', tabindex: 0, role: 'region', 'aria-label': 'Alert list, scrollable' },
              h('table', { class: 'table', 'aria-label': 'Alerts of the incident' },
                h('thead', {}, h('tr', {}, ['Severity', 'Alert', 'Technique', 'Rule', 'Entities', 'Status', 'Owner', 'Time'].map((c) => h('th', { scope: 'col' }, c)))),
                h('tbody', {}, (i.alerts || []).map(alertRow))))),
          h('section', { 'aria-labelledby': 'h-ent' }, h('h2', { id: 'h-ent' }, 'Entities'), entityGraph(i.entities)),
          r ? h('section', { 'aria-labelledby': 'h-rule' }, h('h2', { id: 'h-rule' }, 'About the rule'),
            h('p', {}, r.description),
            h('h3', {}, 'False positives'), list(r.false_positives, 'None documented.'),
            h('h3', {}, 'Tuning'), list(r.tuning, 'No tuning advice.')) : null),
        h('aside', { class: 'actions', 'aria-label': 'Triage' },
          h('h2', {}, 'Triage'), canWrite ? null : reason, refusal, assign, setStatus, closed ? null : close, addComment,
          h('h2', {}, 'Comments'),
          list((i.comments || []).map((c) => `${c.time.replace('T', ' ').slice(0, 19)} ${c.author || 'someone'}: ${c.text}`), 'No comments yet.'))),
      h('section', { 'aria-labelledby': 'h-ev' }, h('h2', { id: 'h-ev' }, `Evidence (${evidence.length} rows)`),
        evidenceGrid(evidence)));
  }

  return { el, ready: load() };
}
