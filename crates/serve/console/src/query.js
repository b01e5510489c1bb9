// The query page: the editor, the time picker, results as a grid or a
// chart, history and saved queries (kept in this browser).
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection, placeholder } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { autocompletion, completionKeymap, closeBrackets } from '@codemirror/autocomplete';
import { lintKeymap } from '@codemirror/lint';
import { bracketMatching } from '@codemirror/language';
import { h, api, toast, ApiError } from './dom.js';
import { kqlLanguage, kqlHighlight, kqlCompletion, kqlLinter } from './kql.js';
import { grid } from './grid.js';
import { chart, renderKind } from './chart.js';

const HISTORY_KEY = 'dragnet.history';
const SAVED_KEY = 'dragnet.saved';
const DRAFT_KEY = 'dragnet.draft';
const MAX_HISTORY = 50;

function load(key) {
  try {
    const v = JSON.parse(localStorage.getItem(key) || '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

function store(key, list) {
  localStorage.setItem(key, JSON.stringify(list));
}

/** `now` for the query API from the picker, or undefined for the server's clock. */
function pickedNow(mode, custom) {
  if (mode === 'server') return undefined;
  if (mode === 'browser') return new Date().toISOString();
  if (!custom) return undefined;
  // A datetime-local value is in the browser's zone.
  const d = new Date(custom);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function queryPage() {
  const diagList = h('ul', { class: 'diags', 'aria-live': 'polite', 'data-testid': 'diagnostics' });
  const results = h('section', { class: 'results', 'aria-label': 'Results' });
  const status = h('span', { class: 'muted', role: 'status' });
  const nowMode = h('select', { id: 'now-mode' },
    h('option', { value: 'server' }, 'Server clock'),
    h('option', { value: 'browser' }, 'This browser\u2019s clock'),
    h('option', { value: 'custom' }, 'A fixed time'));
  const nowCustom = h('input', { type: 'datetime-local', step: 1, 'aria-label': 'Fixed now()', hidden: true });
  nowMode.addEventListener('change', () => { nowCustom.hidden = nowMode.value !== 'custom'; });
  const ranges = ['1h', '24h', '7d', '30d'].map((r) => h('button', {
    type: 'button', class: 'ghost', title: `Insert a filter on TimeGenerated over the last ${r}`,
    onclick: () => insertRange(r),
  }, `ago(${r})`));
  const runBtn = h('button', { type: 'button', class: 'primary', onclick: () => run() }, 'Run', h('kbd', {}, 'Ctrl+Enter'));
  const saveName = h('input', { type: 'text', id: 'save-name', placeholder: 'Name', size: 14 });
  const saveForm = h('form', { class: 'inline', 'aria-label': 'Save query', onsubmit: (e) => { e.preventDefault(); save(); } },
    h('label', { for: 'save-name', class: 'sr-only' }, 'Name to save the query as'), saveName,
    h('button', { type: 'submit' }, 'Save'));
  const historyList = h('ul', { class: 'plain' });
  const savedList = h('ul', { class: 'plain' });

  let editor = null;
  const editorHost = h('div', { class: 'editor', 'data-testid': 'editor' });

  function showDiagnostics(list) {
    diagList.replaceChildren(...list.map((d) => h('li', { class: 'diag' },
      h('button', { type: 'button', class: 'link', onclick: () => jump(d) }, `${d.line}:${d.column}`),
      h('code', {}, d.code), ' ', d.message, d.help ? h('span', { class: 'help' }, ` — ${d.help}`) : null)));
  }

  function jump(d) {
    if (!editor) return;
    if (d.from === null || d.from === undefined) return;
    editor.dispatch({ selection: { anchor: Math.min(d.from, editor.state.doc.length) }, scrollIntoView: true });
    editor.focus();
  }

  function insertRange(r) {
    if (!editor) return;
    const text = editor.state.doc.toString();
    const line = `| where TimeGenerated > ago(${r})`;
    // After the first line (the table), where a time filter belongs.
    const first = editor.state.doc.line(1);
    const insert = text.includes('\n') || text.trim() ? `\n${line}` : line;
    editor.dispatch({ changes: { from: first.to, insert } });
    editor.focus();
  }

  function renderHistory() {
    const hist = load(HISTORY_KEY);
    historyList.replaceChildren(...(hist.length ? hist.slice(0, 15).map((q) => h('li', {},
      h('button', { type: 'button', class: 'link query-text', title: q, onclick: () => setText(q) }, q))) : [h('li', { class: 'muted' }, 'Nothing run yet')]));
    const saved = load(SAVED_KEY);
    savedList.replaceChildren(...(saved.length ? saved.map((s, i) => h('li', { class: 'saved' },
      h('button', { type: 'button', class: 'link', title: s.query, onclick: () => setText(s.query) }, s.name),
      h('button', { type: 'button', class: 'ghost small', 'aria-label': `Delete saved query ${s.name}`, onclick: () => {
        const l = load(SAVED_KEY); l.splice(i, 1); store(SAVED_KEY, l); renderHistory();
      } }, '×'))) : [h('li', { class: 'muted' }, 'No saved queries')]));
  }

  function setText(q) {
    if (!editor) return;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: q } });
    editor.focus();
  }

  function save() {
    if (!editor) return;
    const q = editor.state.doc.toString().trim();
    if (!q) return;
    const name = saveName.value.trim() || q.split('\n')[0].slice(0, 40);
    saveName.value = '';
    const l = load(SAVED_KEY).filter((s) => s.name !== name);
    l.unshift({ name, query: q });
    store(SAVED_KEY, l);
    renderHistory();
    toast(`Saved “${name}”`);
  }

  async function run() {
    if (!editor) return;
    const q = editor.state.doc.toString();
    if (!q.trim()) return;
    const l = load(HISTORY_KEY).filter((x) => x !== q);
    l.unshift(q);
    store(HISTORY_KEY, l.slice(0, MAX_HISTORY));
    renderHistory();
    status.textContent = 'Running…';
    results.replaceChildren();
    const started = performance.now();
    try {
      const body = { query: q };
      const now = pickedNow(nowMode.value, nowCustom.value);
      if (now) body.now = now;
      const res = await api('/api/query', { method: 'POST', body });
      const ms = Math.round(performance.now() - started);
      status.textContent = `${res.rows.length} rows${res.truncated ? ' (truncated)' : ''} in ${ms} ms`;
      const kind = renderKind(q);
      const drawn = kind ? chart(kind, res.columns, res.rows) : null;
      if (kind && !drawn && kind !== 'table') {
        results.append(h('p', { class: 'muted' }, `This result has no columns a ${kind} can draw; shown as a table.`));
      }
      if (drawn) results.append(drawn);
      results.append(grid(res.columns, res.rows, { label: 'Query results', name: 'results' }));
    } catch (e) {
      status.textContent = '';
      if (e instanceof ApiError && e.body && e.body.diagnostics) {
        showDiagnostics(e.body.diagnostics);
        results.append(h('p', { class: 'error', role: 'alert' }, 'The query has errors; see above.'));
      } else {
        results.append(h('p', { class: 'error', role: 'alert' }, e.message));
      }
    }
  }

  const el = h('div', { class: 'page query' },
    h('h1', { class: 'sr-only' }, 'Query'),
    h('div', { class: 'qlayout' },
      h('div', { class: 'qmain' },
        editorHost,
        h('div', { class: 'toolbar' }, runBtn, saveForm,
          h('label', { for: 'now-mode' }, 'now() is'), nowMode, nowCustom,
          h('span', { class: 'muted' }, 'Filter:'), ranges, status),
        diagList,
        results),
      h('aside', { class: 'qside', 'aria-label': 'Query history and saved queries' },
        h('h2', {}, 'Saved'), savedList,
        h('h2', {}, 'History'), historyList)));

  const runKey = { key: 'Mod-Enter', run: () => { run(); return true; } };
  // The editor is made once the schema is in, so table names are
  // highlighted from the first draw and completion knows the columns.
  const ready = api('/api/schema')
    .then((schema) => [autocompletion({ override: [kqlCompletion(schema)] })])
    .catch((e) => { toast(`Completion unavailable: ${e.message}`); return []; })
    .then((completion) => {
      const state = EditorState.create({
        doc: localStorage.getItem(DRAFT_KEY) || 'DeviceProcessEvents\n| take 100',
        extensions: [
          lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(), closeBrackets(),
          kqlLanguage, kqlHighlight, completion,
          keymap.of([runKey, ...completionKeymap, ...lintKeymap, ...historyKeymap, indentWithTab, ...defaultKeymap]),
          kqlLinter(showDiagnostics),
          placeholder('Write KQL, then Ctrl+Enter'),
          EditorView.contentAttributes.of({ 'aria-label': 'KQL query' }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            localStorage.setItem(DRAFT_KEY, u.state.doc.toString());
            // Diagnostics of the text before this change no longer hold.
            diagList.replaceChildren();
          }),
        ],
      });
      editor = new EditorView({ state, parent: editorHost });
    });
  renderHistory();

  return { el, ready, leave: () => { if (editor) editor.destroy(); } };
}
