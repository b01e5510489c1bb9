// What the browser tests share: Debian's Chromium started through
// playwright-core, every console error, page error, failed request and
// error response recorded as a problem unless the test said it would
// happen, screenshots, axe-core checks and the JSON summary printed last.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Starts Chromium against `base` (the server's URL), screenshots into `shots`. */
export async function startBrowser(base, shots) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`no Chromium at ${executablePath}: install Debian's chromium (apt-get install -y chromium)`);
    process.exit(2);
  }
  fs.mkdirSync(shots, { recursive: true });
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const failures = [];
  const problems = [];
  const loads = {};
  const summary = { loads, failures, problems, a11y: {}, refusals: [] };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dragnet-console-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    colorScheme: 'dark',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);

  // Error answers the test causes on purpose (a request before signing in,
  // a write with a read token): each with its status, method and path, and
  // how often it was seen. Any other error answer is a problem, and so is
  // an expected one never seen.
  let expected = [];
  const expectedOf = (status, method, url) => expected.find((e) => e.status === status
    && (!method || e.method === method) && new URL(url).pathname === e.path);

  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const refused = m.text().match(/^Failed to load resource: the server responded with a status of (\d+)/);
    if (refused && m.location().url && expectedOf(Number(refused[1]), null, m.location().url)) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Set while the test navigates: what the page left had in flight (the
  // live alert stream, a diagnostics check) is cancelled, not failed.
  let navigating = false;
  page.on('requestfailed', (r) => {
    if (navigating && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    // A page closes the live stream when the app moves to another page.
    if (r.url().endsWith('/api/alerts/stream') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const e = expectedOf(r.status(), r.request().method(), r.url());
    if (e) {
      e.seen += 1;
      summary.refusals.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    } else {
      problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    }
  });
  // Nothing outside the server is ever asked for (and there is no other
  // network: such a request would also fail).
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`external request: ${url}`);
  });

  const t = {
    page, summary, loads, failures, problems,

    check(ok, what) {
      if (!ok) failures.push(what);
      return ok;
    },

    /**
     * Runs `f` with the error answers `list` ([status, method, path]) expected;
     * each must happen at least once inside it.
     */
    async refused(name, list, f) {
      expected = list.map(([status, method, p]) => ({ status, method, path: p, seen: 0 }));
      try {
        await f();
      } finally {
        for (const e of expected) t.check(e.seen > 0, `${name}: the expected ${e.status} on ${e.method} ${e.path} did not happen`);
        expected = [];
      }
    },

    /** Opens `p` and waits until its page says it is ready; returns the ms it took. */
    async open(name, p) {
      const t0 = Date.now();
      navigating = true;
      await page.goto(base + p);
      await page.waitForSelector('main[data-ready="true"]');
      navigating = false;
      // From the start of navigation to the page drawn with its data, as the
      // browser measures it.
      loads[name] = Math.round(await page.evaluate(() => window.dragnetReadyAt));
      return Date.now() - t0;
    },

    /** Reloads the page and waits for `selector`. */
    async reload(selector) {
      navigating = true;
      await page.reload();
      await page.waitForSelector(selector);
      navigating = false;
    },

    /** Follows a link that leaves the app (a full page load) and waits for the new page. */
    async follow(locator) {
      navigating = true;
      await Promise.all([page.waitForEvent('load'), locator.click()]);
      navigating = false;
    },

    async shot(name, fullPage = true) {
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
    },

    async axe(name) {
      if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ content: axeSource });
      // Colours are checked as they end up, not half way through a fade (a toast fading in
      // has too little contrast for its first 0.2 s): wait for every finite animation.
      await page.evaluate(() => Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => {}))));
      const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      summary.a11y[name] = res.violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`);
      for (const v of bad) {
        failures.push(`${name}: accessibility ${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
    },

    async step(name, f) {
      try {
        await f();
      } catch (e) {
        failures.push(`${name}: ${e.message.split('\n')[0]}`);
        await t.shot(`failed-${name}`).catch(() => {});
      }
    },

    /** Closes the browser, prints the summary and exits: 1 on any failure or problem. */
    async finish() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
      for (const p of problems) failures.push(p);
      console.log(JSON.stringify(summary));
      process.exit(failures.length ? 1 : 0);
    },
  };
  return t;
}
