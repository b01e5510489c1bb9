// The console against a `dragnet serve` started with --token-file, in
// Debian's Chromium: signing in on the first 401 with a read token, the
// triage actions shown disabled with the reason (the console asked the
// token's role), a write the server refuses when the console's view of the
// role is wrong, signing out and in again with a write token, the actions
// enabled and the write done; then the catalog from the navigation and a
// technique's catalog page from the coverage matrix.
//
//   DRAGNET_URL=http://127.0.0.1:PORT READ_TOKEN=... WRITE_TOKEN=... SCREENSHOTS=<dir> node tests/console_auth.mjs
//
// Fails (exit 1) on any failed check, console error, failed request or
// error answer the test did not cause on purpose, or serious accessibility
// violation; prints one JSON summary line last.
import { startBrowser } from './browser.mjs';

const BASE = process.env.DRAGNET_URL;
const READ = process.env.READ_TOKEN;
const WRITE = process.env.WRITE_TOKEN;
const SHOTS = process.env.SCREENSHOTS;
if (!BASE || !READ || !WRITE || !SHOTS) {
  console.error('DRAGNET_URL, READ_TOKEN, WRITE_TOKEN and SCREENSHOTS must be set');
  process.exit(2);
}
const browser = await startBrowser(BASE, SHOTS);
const { page, summary, check, open, follow, shot, axe, step, refused } = browser;

/** Waits for the sign-in dialog, enters `token` and signs in. */
async function signIn(token) {
  const dialog = page.locator('dialog#signin');
  await dialog.waitFor();
  await page.fill('#signin-token', token);
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Where the browser keeps the token: this tab's sessionStorage only, never a URL. */
async function tokenKept(token) {
  const where = await page.evaluate((t) => ({
    session: sessionStorage.getItem('dragnet.token') === t,
    local: Object.keys(localStorage).some((k) => localStorage.getItem(k).includes(t)),
    url: location.href.includes(t),
  }), token);
  check(where.session && !where.local && !where.url, `the token is kept in sessionStorage only: ${JSON.stringify(where)}`);
}

let alertId = null;
await step('sign-in-read', async () => {
  // The queue and its live stream are refused until a token is given.
  await refused('before sign-in', [[401, 'GET', '/api/alerts'], [401, 'GET', '/api/alerts/stream'], [401, 'GET', '/api/session']], async () => {
    await page.goto(`${BASE}/alerts`);
    await page.locator('dialog#signin').waitFor();
    summary.signin_reason = await page.locator('#signin-reason').innerText();
    check(summary.signin_reason.includes('Authorization'), `the dialog says why: ${summary.signin_reason}`);
    check(await page.evaluate(() => document.activeElement.id === 'signin-token'), 'the token field has the focus');
    await shot('signin');
    await axe('signin');
    await signIn(READ);
  });
  await page.waitForSelector('main[data-ready="true"] tbody tr[data-alert]');
  await page.locator('[data-testid=live].on').waitFor();
  summary.alerts_seen = await page.locator('tbody tr[data-alert]').count();
  check(summary.alerts_seen > 0, 'the queue shows alerts with a read token');
  check(await page.locator('#signout').isVisible(), 'a signed-in console offers to sign out');
  await tokenKept(READ);
  await shot('alerts-read', false);
  await axe('alerts-read');
  const first = page.locator('tbody tr[data-alert] td.title a').first();
  alertId = await first.evaluate((a) => a.closest('tr').dataset.alert);
  await first.click();
  await page.waitForSelector('main[data-ready="true"] [data-testid=alert-state]');
});

/** How the Assign button and the read-only note look to a screen reader and the keyboard. */
async function assignControl() {
  const button = page.locator('form[aria-label=Assign] button');
  await button.focus();
  return page.evaluate(() => {
    const b = document.querySelector('form[aria-label=Assign] button');
    const by = b.getAttribute('aria-describedby');
    const note = by && document.getElementById(by);
    return {
      disabled: b.getAttribute('aria-disabled') === 'true',
      focused: document.activeElement === b,
      described: note ? note.textContent : null,
      shown: !!note && note.offsetParent !== null,
    };
  });
}

const REASON = 'read-only token: sign in with a write token to change alerts';

await step('read-only', async () => {
  const c = await assignControl();
  summary.read_assign = c;
  check(c.disabled && c.focused, `with a read token Assign is aria-disabled and still reached by the keyboard: ${JSON.stringify(c)}`);
  check(c.described === REASON && c.shown, `the disabled Assign is described by the visible reason: ${JSON.stringify(c)}`);
  // Pressing it sends nothing (any PATCH would be an unexpected 403) and says why.
  let patches = 0;
  const count = (r) => { if (r.method() === 'PATCH') patches += 1; };
  page.on('request', count);
  await page.fill('#owner', 'ana');
  await page.keyboard.press('Enter');
  await page.locator('#toast.shown', { hasText: REASON }).waitFor();
  page.off('request', count);
  check(patches === 0, `a read token's disabled Assign sent ${patches} PATCH requests`);
  check(await page.locator('[data-field=owner]').innerText() === 'unassigned', 'nothing is shown as assigned');
  // A detail with no value (this alert's Images: the audit event has no pod spec) says so.
  const details = await page.evaluate(() => [...document.querySelectorAll('section[aria-labelledby=h-det] dd')].map((d) => d.textContent));
  summary.details = details;
  check(details.length > 0 && details.every((t) => t.trim() !== ''), `a detail is blank: ${JSON.stringify(details)}`);
  await shot('alert-read-only', false);
  await axe('alert-read-only');
});

await step('read-refused', async () => {
  // The console's view of the role is only a hint: told (wrongly) that the
  // read token may write, it sends the change and shows the server's refusal.
  const path = `/api/alerts/${encodeURIComponent(alertId)}`;
  await page.route('**/api/session', (r) => r.fulfill({ json: { role: 'write' } }));
  await browser.reload('main[data-ready="true"] [data-testid=alert-state]');
  check((await assignControl()).disabled === false, 'told the token may write, the console enables Assign');
  await refused('assign with a read token', [[403, 'PATCH', path]], async () => {
    await page.fill('#owner', 'ana');
    await page.click('form[aria-label=Assign] button');
    await page.locator('#toast.shown', { hasText: 'Not saved' }).waitFor();
  });
  await page.unroute('**/api/session');
  summary.refusal = await page.locator('[data-testid=refusal]').innerText();
  check(summary.refusal.includes("a 'read' token may not change anything"), `the refusal says why, beside the actions: ${summary.refusal}`);
  check(await page.locator('[data-field=owner]').innerText() === 'unassigned', 'the refused assignment is not shown as done');
  await shot('alert-read-refused', false);
});

await step('sign-in-write', async () => {
  const path = `/api/alerts/${encodeURIComponent(alertId)}`;
  await refused('after signing out', [[401, 'GET', path], [401, 'GET', '/api/session']], async () => {
    await page.click('#signout');
    await signIn(WRITE);
  });
  await page.waitForSelector('main[data-ready="true"] [data-testid=alert-state]');
  await tokenKept(WRITE);
  const c = await assignControl();
  summary.write_assign = c;
  check(!c.disabled && c.described === null, `with a write token Assign is enabled: ${JSON.stringify(c)}`);
  check(await page.locator('[data-testid=readonly]').count() === 0, 'no read-only note with a write token');
  await page.fill('#owner', 'ana');
  await page.click('form[aria-label=Assign] button');
  await page.locator('[data-field=owner]', { hasText: 'ana' }).waitFor();
  check(await page.locator('[data-testid=refusal]').innerText() === '', 'no refusal is left shown');
  summary.assigned = alertId;
  await shot('alert-write-assigned', false);
});

await step('catalog', async () => {
  await open('coverage', '/coverage');
  // The catalog takes the theme chosen in the console.
  await page.click('#theme');
  await follow(page.locator('nav a[href="/catalog/"]'));
  const look = await page.evaluate(() => ({ theme: document.documentElement.dataset.theme, bg: getComputedStyle(document.body).backgroundColor }));
  check(look.theme === 'light' && look.bg === 'rgb(255, 255, 255)', `the catalog follows the console's light theme: ${JSON.stringify(look)}`);
  check(new URL(page.url()).pathname === '/catalog/', `the nav opens the catalog: ${page.url()}`);
  summary.catalog_title = await page.title();
  summary.catalog_techniques = await page.locator('a[href^="techniques/"]').count();
  check(summary.catalog_techniques > 5, `the catalog lists ${summary.catalog_techniques} technique links`);
  await shot('catalog');
  await axe('catalog');
  await open('coverage-again', '/coverage');
  await page.locator('.mcell[data-technique=T1609]').click();
  await follow(page.locator('.celldetail a[data-catalog=T1609]'));
  check(new URL(page.url()).pathname === '/catalog/techniques/T1609.html', `the matrix opens T1609's page: ${page.url()}`);
  summary.technique_heading = await page.locator('h1').first().innerText();
  check(summary.technique_heading.includes('T1609'), `the technique page's heading: ${summary.technique_heading}`);
  summary.technique_detections = await page.locator('table.runnable').count();
  await shot('catalog-technique');
  await axe('catalog-technique');
  // Back in the console the tab is still signed in.
  await page.goBack();
  await page.waitForSelector('main[data-ready="true"] .mcell');
});

await step('sign-out', async () => {
  await refused('signed out', [[401, 'GET', '/api/coverage'], [401, 'GET', '/api/rules'], [401, 'GET', '/api/session']], async () => {
    await page.click('#signout');
    await page.locator('dialog#signin').waitFor();
  });
  check(await page.evaluate(() => sessionStorage.getItem('dragnet.token') === null), 'signing out forgets the token');
  await shot('signed-out', false);
  await axe('signin-light');
});

await browser.finish();
