// Signing in to a server started with --token-file: on a 401 the console
// asks for an access token in a dialog, keeps it in this tab's
// sessionStorage (never localStorage, never in a URL) and sends it as
// `Authorization: Bearer` on every request; signing out forgets it.
import { h } from './dom.js';

const TOKEN_KEY = 'dragnet.token';

/** The token this tab signed in with, or null. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** `headers` with the bearer token added when signed in. */
export function withToken(headers = {}) {
  const t = token();
  return t ? { ...headers, Authorization: `Bearer ${t}` } : headers;
}

function showSignedIn() {
  document.getElementById('signout').hidden = !token();
}

/** Forgets the token; the next request asks for one again. */
export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignedIn();
}

let pending = null;

/**
 * Asks for a token, saying why (the server's 401 message); resolves once one
 * is entered, rejects when the dialog is cancelled. Requests refused at the
 * same time all wait for the one dialog.
 */
export function signIn(reason) {
  // A stored token the server refused is forgotten first.
  signOut();
  if (pending) return pending;
  pending = new Promise((resolve, reject) => {
    const input = h('input', { id: 'signin-token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
    const dialog = h('dialog', { id: 'signin', 'aria-labelledby': 'signin-title', 'aria-describedby': 'signin-reason' });
    const done = (ok) => {
      pending = null;
      dialog.close();
      dialog.remove();
      if (ok) resolve(); else reject(new Error('not signed in'));
    };
    const form = h('form', {
      'aria-label': 'Sign in',
      onsubmit: (e) => {
        e.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        sessionStorage.setItem(TOKEN_KEY, t);
        showSignedIn();
        done(true);
      },
    },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', { id: 'signin-reason' }, `This server needs an access token (${reason || 'none was given'}).`),
    h('label', { for: 'signin-token' }, 'Access token'), input,
    h('p', { class: 'muted small' }, 'Kept in this tab only, until you sign out or close it.'),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Sign in'),
      h('button', { type: 'button', class: 'ghost', onclick: () => done(false) }, 'Cancel')));
    dialog.append(form);
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pending;
}

/** Shows the sign-out button while signed in; `onChange` runs after signing out. */
export function initAuth(onChange) {
  const b = document.getElementById('signout');
  b.addEventListener('click', () => { signOut(); onChange(); });
  showSignedIn();
}
