// The search box of every page: loads assets/search-index.js when first
// used, then lists the techniques and rules whose id, name or title hold
// every word typed. Results are built as DOM nodes with textContent, so
// no text from a rule is ever read as markup.
//
// Served by `dragnet serve` (under /catalog/), the pages take the theme
// chosen in its console, which the browser keeps for the same origin.
(() => {
  try {
    const theme = localStorage.getItem('dragnet.theme');
    if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
  } catch {
    // No storage (a page opened from a file in some browsers): the system's theme.
  }
})();
(() => {
  const root = document.body.dataset.root || '';
  const input = document.getElementById('search');
  const list = document.getElementById('search-results');
  if (!input || !list) return;
  let loading = null;
  const MAX = 50;

  function load() {
    if (window.dragnetSearch) return Promise.resolve(window.dragnetSearch);
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = root + 'assets/search-index.js';
        s.onload = () => resolve(window.dragnetSearch || []);
        s.onerror = () => reject(new Error('search index not loaded'));
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function render(entries) {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.replaceChildren();
    if (!words.length) {
      list.hidden = true;
      return;
    }
    let shown = 0;
    for (const [label, second, detail, page] of entries) {
      const hay = `${label} ${second} ${detail}`.toLowerCase();
      if (!words.every((w) => hay.includes(w))) continue;
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = root + page;
      a.textContent = label;
      const small = document.createElement('small');
      small.textContent = ` ${second} · ${detail}`;
      a.appendChild(small);
      li.appendChild(a);
      list.appendChild(li);
      if (++shown >= MAX) break;
    }
    if (!shown) {
      const li = document.createElement('li');
      li.textContent = 'Nothing found';
      list.appendChild(li);
    }
    list.hidden = false;
  }

  input.addEventListener('focus', () => { load().catch(() => {}); });
  input.addEventListener('input', () => {
    load().then(render, (e) => {
      list.replaceChildren();
      const li = document.createElement('li');
      li.textContent = e.message;
      list.appendChild(li);
      list.hidden = false;
    });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { input.value = ''; list.hidden = true; }
  });
})();
