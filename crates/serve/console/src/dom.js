// Small DOM and HTTP helpers shared by every page.
import { withToken, signIn } from './auth.js';

/** An element: `h('a', {href: '/x', class: 'y', onclick}, child, ...)`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An API error: the server's `error` text and its JSON body. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * A JSON request to the server with the signed-in token; a 401 asks for a
 * token and tries again. Throws `ApiError` on any other non-2xx answer (a
 * 403 says what the token's role may not do), and on a 401 when the
 * sign-in is cancelled.
 */
export async function api(path, { method = 'GET', body } = {}) {
  for (;;) {
    const init = { method, headers: withToken({ Accept: 'application/json' }) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(path, init);
    const data = await r.json().catch(() => null);
    if (r.status === 401) {
      try {
        await signIn(data && data.error);
        continue;
      } catch {
        throw new ApiError(r.status, data);
      }
    }
    if (!r.ok) throw new ApiError(r.status, data);
    return data;
  }
}

/** ATT&CK technique ids, each linked to its page in the catalog. */
export function techniqueLinks(ids) {
  if (!ids || !ids.length) return '—';
  return ids.flatMap((id, i) => [i ? ', ' : null,
    h('a', { href: `/catalog/techniques/${encodeURIComponent(String(id).toUpperCase())}.html`, 'data-catalog': id }, id)]);
}

/** A short message read out to screen readers and shown for a moment. */
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('shown'), 3000);
}

/** Goes to a console path without reloading. */
export function navigate(path) {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** A link that navigates inside the console. */
export function link(path, ...children) {
  return h('a', {
    href: path,
    onclick: (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(path);
    },
  }, ...children);
}

/** A value as text in a cell. */
export function cellText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Saves `text` as a file download. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A severity badge. */
export function severity(s) {
  return h('span', { class: `sev sev-${String(s || '').toLowerCase()}` }, s || '—');
}
