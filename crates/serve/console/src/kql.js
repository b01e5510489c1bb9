// KQL in the editor: highlighting (a stream tokenizer), completion of
// tables, columns, functions and operators from the server's schema, and
// the server's own diagnostics (`POST /api/check`) at their tokens.
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { linter } from '@codemirror/lint';
import { api } from './dom.js';

/** Tabular operators and the words that follow them. */
export const OPERATORS = [
  'where', 'filter', 'project', 'project-away', 'project-keep', 'project-rename', 'project-reorder', 'extend',
  'summarize', 'count', 'take', 'limit', 'top', 'sort', 'order', 'distinct', 'join', 'lookup', 'union',
  'mv-expand', 'mv-apply', 'parse', 'parse-kv', 'parse-where', 'make-series', 'render', 'search', 'find',
  'sample', 'sample-distinct', 'serialize', 'as', 'getschema', 'evaluate', 'invoke', 'fork', 'facet',
  'partition', 'scan', 'print', 'range', 'datatable', 'let', 'by', 'on', 'kind', 'with', 'asc', 'desc',
  'nulls', 'first', 'last', 'and', 'or', 'not', 'in', 'between', 'has', 'has_any', 'has_all', 'contains',
  'startswith', 'endswith', 'matches', 'regex', 'hasprefix', 'hassuffix', 'true', 'false', 'null',
];
const WORDS = new Set(OPERATORS);
export const CHARTS = ['timechart', 'barchart', 'columnchart', 'piechart', 'linechart', 'areachart', 'table'];
const TYPES = new Set(['datetime', 'timespan', 'dynamic', 'string', 'long', 'int', 'real', 'double', 'bool', 'guid', 'decimal']);

/** The rest of a string literal on this line (KQL strings do not span lines). */
function stringToken(stream, state) {
  while (!stream.eol()) {
    const ch = stream.next();
    if (ch === '\\') stream.next();
    else if (ch === state.inString) { state.inString = null; return 'string'; }
  }
  state.inString = null;
  return 'string';
}

/** The tables the server has, highlighted as tables once the schema is in. */
export const knownTables = new Set();

const kqlStream = {
  name: 'kql',
  startState: () => ({ inString: null }),
  token(stream, state) {
    if (state.inString) return stringToken(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match('//')) { stream.skipToEnd(); return 'comment'; }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      stream.next();
      state.inString = ch;
      return stringToken(stream, state);
    }
    if (stream.match(/^\d+(\.\d+)?([a-z]+)?/i)) return 'number';
    if (stream.match(/^[A-Za-z_]\w*/)) {
      // Operator words with a hyphen (`project-away`, `mv-expand`) are one word.
      const rest = stream.match(/^-[a-z]+/, false);
      if (rest && WORDS.has(stream.current() + rest[0])) stream.match(/^-[a-z]+/);
      const w = stream.current();
      if (TYPES.has(w.toLowerCase())) return 'typeName';
      if (WORDS.has(w) || WORDS.has(w.toLowerCase())) return 'keyword';
      if (stream.match(/^\s*\(/, false)) return 'function';
      if (knownTables.has(w)) return 'table';
      return 'variableName';
    }
    if (stream.match(/^(==|!=|=~|!~|<=|>=|=>|\|)/) || stream.match(/^[-+*/%<>=!]/)) return 'operator';
    stream.next();
    return 'punctuation';
  },
  languageData: { commentTokens: { line: '//' } },
  tokenTable: { function: t.function(t.variableName), table: t.className },
};

export const kqlLanguage = StreamLanguage.define(kqlStream);

export const kqlHighlight = syntaxHighlighting(HighlightStyle.define([
  { tag: t.keyword, color: 'var(--syn-keyword)', fontWeight: '600' },
  { tag: t.string, color: 'var(--syn-string)' },
  { tag: t.number, color: 'var(--syn-number)' },
  { tag: t.comment, color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: t.function(t.variableName), color: 'var(--syn-function)' },
  { tag: t.className, color: 'var(--syn-table)' },
  { tag: t.typeName, color: 'var(--syn-type)' },
  { tag: t.operator, color: 'var(--syn-operator)' },
]));

/** Completion from `schema` (`GET /api/schema`). */
export function kqlCompletion(schema) {
  for (const tb of schema.tables) knownTables.add(tb.name);
  const tables = schema.tables.map((tb) => ({ label: tb.name, type: 'class', detail: 'table' }));
  const functions = [...schema.functions, ...schema.aggregates]
    .map((f) => ({ label: f, type: 'function', apply: `${f}(`, detail: 'function' }));
  const operators = OPERATORS.map((o) => ({ label: o, type: 'keyword' }));
  const charts = CHARTS.map((c) => ({ label: c, type: 'constant', detail: 'render' }));
  const columnsOf = new Map(schema.tables.map((tb) => [tb.name, tb.columns]));
  return (context) => {
    const word = context.matchBefore(/[\w-]+/);
    if (!word && !context.explicit) return null;
    const from = word ? word.from : context.pos;
    const text = context.state.doc.sliceString(0, from);
    const before = text.trimEnd();
    if (/\brender\s*$/.test(before)) return { from, options: charts };
    if (before.endsWith('|')) return { from, options: operators };
    if (before === '' || before.endsWith(';') || /\b(union|join|lookup)(\s+kind\s*=\s*\w+)?\s*\(?\s*$/.test(before)) {
      return { from, options: tables };
    }
    // Columns of the tables the query names, then functions and operators.
    const named = schema.tables.filter((tb) => new RegExp(`\\b${tb.name}\\b`).test(context.state.doc.toString()));
    const columns = [];
    for (const tb of named) {
      for (const c of columnsOf.get(tb.name)) columns.push({ label: c.name, type: 'property', detail: `${c.type} · ${tb.name}` });
    }
    return { from, options: [...columns, ...functions, ...tables, ...operators], validFor: /^[\w-]*$/ };
  };
}

/** The server's diagnostics as editor diagnostics; `onResult` sees them all. */
export function kqlLinter(onResult) {
  return linter(async (view) => {
    const text = view.state.doc.toString();
    if (!text.trim()) { onResult([]); return []; }
    let res;
    try {
      res = await api('/api/check', { method: 'POST', body: { query: text } });
    } catch {
      return [];
    }
    if (view.state.doc.toString() !== text) return [];
    const len = view.state.doc.length;
    onResult(res.diagnostics);
    return res.diagnostics.map((d) => {
      const from = Math.min(d.from ?? 0, len);
      let to = Math.min(d.to ?? from, len);
      if (to <= from) to = Math.min(from + 1, len);
      return {
        from, to, severity: 'error', source: d.code,
        message: d.help ? `${d.message}\n${d.help}` : d.message,
      };
    });
  }, { delay: 300 });
}
