// Renders the catalog site in Debian's Chromium with the console's
// playwright-core (crates/serve/console/node_modules):
//
//   SITE=<built site> SCREENSHOTS=<dir> CONSOLE_DIR=crates/serve/console node tests/site.mjs
//
// Serves the site on 127.0.0.1 (a plain static file server) and opens every
// page of it; fails (exit 1) on a missing table, a console error, a failed
// or external request, a serious accessibility violation (axe-core) on the
// index or a technique page; saves screenshots of the index and the
// T1552.007 page in both themes; prints one JSON summary line last.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';

const SITE = process.env.SITE && path.resolve(process.env.SITE);
const SHOTS = process.env.SCREENSHOTS;
const CONSOLE_DIR = process.env.CONSOLE_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!SITE || !SHOTS || !CONSOLE_DIR) {
  console.error('SITE, SCREENSHOTS and CONSOLE_DIR must be set');
  process.exit(2);
}
const consoleRequire = createRequire(path.join(path.resolve(CONSOLE_DIR), 'package.json'));
const { chromium } = consoleRequire('playwright-core');
const axeSource = fs.readFileSync(consoleRequire.resolve('axe-core/axe.min.js'), 'utf8');
fs.mkdirSync(SHOTS, { recursive: true });

// The site served as plain files on 127.0.0.1, as any static server would.
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json' };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = path.join(SITE, rel);
  if (!file.startsWith(SITE + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/`;
const failures = [];
const problems = [];
const summary = { pages: 0, failures, problems, tables: {}, search: {}, a11y: {} };
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dragnet-catalog-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 900 },
  colorScheme: 'light',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(15000);
page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()} (${page.url()})`); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message} (${page.url()})`));
page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
page.on('request', (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`);
});

async function open(rel) {
  await page.goto(base + rel, { waitUntil: 'load' });
  summary.pages += 1;
}

async function shots(name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Serious or critical accessibility violations (axe-core) fail the test. */
async function axe(name) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ content: axeSource });
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  summary.a11y[name] = res.violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`);
  for (const v of res.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
    failures.push(`${name}: accessibility ${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }
}

async function step(name, f) {
  try {
    await f();
  } catch (e) {
    failures.push(`${name}: ${e.message.split('\n')[0]}`);
  }
}

/** Rows of the first table matching `sel`. */
const rows = (sel) => page.$$eval(`${sel} tbody tr`, (trs) => trs.length);

await step('index', async () => {
  await open('index.html');
  check(await page.title() === 'Detection catalog', 'index: title');
  summary.tables.summary = await rows('table.summary');
  check(summary.tables.summary === 5, `index: ${summary.tables.summary} vendor rows, want 5`);
  const cells = await page.$$eval('.heatmap .cell:not(.none)', (c) => c.length);
  const blank = await page.$$eval('.heatmap .cell.none', (c) => c.length);
  summary.tables.heatmap = { covered: cells, blank };
  check(cells >= 5 && blank > 100, `index: heat map has ${cells} covered and ${blank} blank cells`);
  // A covered cell is shaded: its background is not the page's.
  const shaded = await page.$eval('.heatmap .cell:not(.none)', (c) => getComputedStyle(c).backgroundColor);
  check(!/rgba\(0, 0, 0, 0\)/.test(shaded), `index: cell background ${shaded}`);
  const link = await page.$('#tactic-TA0006 + table a[href="techniques/T1552.007.html"]');
  check(link !== null, 'index: the Credential Access table lists T1552.007');
  await shots('index');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await axe(`index-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

await step('technique', async () => {
  await open('techniques/T1552.007.html');
  const h1 = await page.textContent('h1');
  check(h1.includes('Unsecured Credentials: Container API') && h1.includes('T1552.007'), `technique: h1 ${h1}`);
  for (const t of ['vendors', 'events', 'fields', 'indicators', 'exclusions', 'rules']) {
    summary.tables[t] = await page.$$eval(`table.${t} tbody tr`, (trs) => trs.length);
    check(summary.tables[t] > 0, `technique: table ${t} is empty or missing`);
  }
  // Opening an indicator value lists the rules here that check it.
  await page.click('table.indicators tbody tr:first-child summary');
  const listed = await page.$$eval('table.indicators tbody tr:first-child details[open] li a', (a) => a.length);
  check(listed > 0, 'technique: an opened indicator lists its rules');
  await shots('technique-T1552.007');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await axe(`technique-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

await step('search', async () => {
  await open('index.html');
  await page.fill('#search', 'secret');
  await page.waitForSelector('#search-results:not([hidden]) li a');
  summary.search.secret = await page.$$eval('#search-results li a', (a) => a.length);
  await page.screenshot({ path: path.join(SHOTS, 'search.png') });
  await page.click('#search-results li a');
  await page.waitForLoadState('load');
  check(page.url().startsWith(base), `search: went to ${page.url()}`);
  // A rule whose title is markup is found and shown as text.
  await open('index.html');
  await page.fill('#search', 'window.pwned');
  await page.waitForSelector('#search-results:not([hidden]) li a');
  const text = await page.textContent('#search-results li a');
  summary.search.markup_title = text;
  check(text.includes('<script>window.pwned = 1</script>'), `search: markup title shown as ${text}`);
  check(await page.evaluate(() => window.pwned === undefined), 'search: a rule title ran as a script');
  check(await page.$('#search-results img, #search-results script') === null, 'search: markup in the results');
});

// Every page loads without an error.
const all = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.html')) all.push(path.relative(SITE, p).split(path.sep).join('/'));
  }
})(SITE);
for (const rel of all.sort()) {
  await step(`load ${rel}`, async () => {
    await open(rel);
    check(await page.evaluate(() => window.pwned === undefined), `${rel}: a rule's text ran as a script`);
  });
}
await step('rule page', async () => {
  await open('rules/elastic/00000000-0000-4000-8000-000000000002.html');
  summary.tables.predicates = await rows('table.predicates');
  check(summary.tables.predicates > 0, 'rule: no predicates table');
  await page.screenshot({ path: path.join(SHOTS, 'rule.png'), fullPage: true });
});

await context.close();
server.close();
fs.rmSync(profile, { recursive: true, force: true });
for (const p of problems) failures.push(p);
console.log(JSON.stringify(summary));
process.exit(failures.length ? 1 : 0);
