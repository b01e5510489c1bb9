// The console's shell: theme, navigation and the page for the current path.
import './style.css';
import { queryPage } from './query.js';
import { alertsPage } from './alerts.js';
import { alertPage } from './alert.js';
import { incidentsPage } from './incidents.js';
import { incidentPage } from './incident.js';
import { rulesPage } from './rules.js';
import { coveragePage } from './coverage.js';
import { h, navigate } from './dom.js';
import { initAuth } from './auth.js';
import { role } from './session.js';

const THEME_KEY = 'dragnet.theme';

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const b = document.getElementById('theme');
  b.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
}

function initialTheme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

const routes = [
  [/^\/(query)?$/, 'query', () => queryPage()],
  [/^\/alerts$/, 'alerts', () => alertsPage()],
  [/^\/alerts\/([^/]+)$/, 'alerts', (m) => alertPage(decodeURIComponent(m[1]))],
  [/^\/incidents$/, 'incidents', () => incidentsPage()],
  [/^\/incidents\/([^/]+)$/, 'incidents', (m) => incidentPage(decodeURIComponent(m[1]))],
  [/^\/rules$/, 'rules', () => rulesPage()],
  [/^\/coverage$/, 'coverage', () => coveragePage()],
];

let leave = null;

async function render() {
  const main = document.getElementById('main');
  if (leave) leave();
  leave = null;
  main.replaceChildren();
  main.removeAttribute('data-ready');
  // What the token may do, asked once per token: on load and after signing
  // in again (a page that needs it waits for the same answer).
  role();
  const path = location.pathname;
  for (const [re, nav, page] of routes) {
    const m = path.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const p = page(m);
    main.append(p.el);
    leave = p.leave || null;
    try {
      await p.ready;
    } catch (e) {
      // Not signed in (the sign-in was cancelled), or the server failed.
      main.append(h('p', { class: 'error', role: 'alert' }, `Not loaded: ${e.message}`));
    } finally {
      main.dataset.ready = 'true';
      // When the page was whole, for the browser test's load times.
      window.dragnetReadyAt = performance.now();
    }
    return;
  }
  main.append(document.createTextNode('No such page.'));
  main.dataset.ready = 'true';
}

applyTheme(initialTheme());
document.getElementById('theme').addEventListener('click', () => {
  const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
});
for (const a of document.querySelectorAll('[data-nav]')) {
  a.addEventListener('click', (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(a.getAttribute('href'));
  });
}
initAuth(() => render());
window.addEventListener('popstate', () => {
  render();
  document.getElementById('main').focus({ preventScroll: true });
});
render();
