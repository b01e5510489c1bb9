// What the signed-in token may do: `GET /api/session` answers its role
// (`read`, `write`, or null when the server has no token file), asked once
// per token (when the console loads and after each sign-in). A read token's
// triage actions are shown disabled with the reason; the server still
// refuses what a token may not do, and that refusal is shown too.
import { api } from './dom.js';
import { token } from './auth.js';

let asked = null;

/**
 * The role of this tab's token: `'read'`, `'write'`, null without a token
 * file, or undefined when it could not be learnt (the actions then stay
 * enabled and the server decides).
 */
export function role() {
  const t = token();
  if (asked && asked.token === t) return asked.role;
  const entry = { token: t };
  entry.role = api('/api/session').then((s) => {
    // A 401 on the way asked for a token: the answer is that token's.
    entry.token = token();
    return s ? s.role : undefined;
  }, () => {
    if (asked === entry) asked = null;
    return undefined;
  });
  asked = entry;
  return entry.role;
}

/** Whether `r` (from `role()`) may not change anything. */
export function readOnly(r) {
  return r === 'read';
}

/** Why a read token's actions are disabled; `what` is what they change. */
export function readOnlyReason(what) {
  return `read-only token: sign in with a write token to change ${what}`;
}

/**
 * Marks the triage `forms` as unavailable to a read token: each submit
 * button `aria-disabled` and described by `reason` (an element with an id,
 * shown beside them), each field described by it too. The buttons stay
 * focusable so the reason is found with the keyboard; the page turns a
 * submit back itself.
 */
export function disableActions(forms, reason) {
  for (const form of forms) {
    if (!form) continue;
    for (const el of form.querySelectorAll('button, input, select, textarea')) {
      el.setAttribute('aria-describedby', reason.id);
      if (el.matches('button[type=submit]')) el.setAttribute('aria-disabled', 'true');
    }
  }
}
