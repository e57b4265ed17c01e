// Browser half of `cargo xtask bench` (sections "host" and "shopper"): headless Debian
// Chromium through playwright-core, CPU throttled with CDP's Emulation.setCPUThrottlingRate.
//
//   node tests/bench/browser.mjs <config.json>
//
// The config (written by xtask/src/bench/browser.rs) names the output file, the runs, the
// throttling rates, dist/, the peer widgets' cached files and the gateways. This script only
// measures and writes raw samples as JSON; xtask turns them into medians and ratios.
//
// Host-page cost: one plain storefront page per widget (identical content, the widget's
// embed snippet at the end of <body>), served by a local static server with gzip; a fresh
// browser context (empty cache) per load; loads interleaved and rotated. Requests leaving
// 127.0.0.1 are aborted (and counted): nothing reaches the network.
//
// What the shopper feels: on the Shopkeep host page, click → panel visible and → composer
// ready (visible, enabled, focused); Enter → first words of the answer painted, for each
// gateway in the config (built-in responder, fake upstream).
import { chromium } from 'playwright-core';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { pageHtml, SNIPPETS, FINDERS } from './pages.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json',
};
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

// ---- the static server: host pages, dist/ and the peers' files, gzip like a CDN ----------

const roots = { '/shopkeep/': config.dist };
for (const [id, peer] of Object.entries(config.peers)) roots[`/peers/${id}/`] = peer.dir;
const gzipped = new Map();

function fileFor(pathname) {
  for (const [prefix, dir] of Object.entries(roots)) {
    if (!pathname.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(pathname.slice(prefix.length))));
    if (file.startsWith(normalize(dir)) && existsSync(file) && statSync(file).isFile()) return file;
  }
  return null;
}

/** Answers with gzip when the client takes it (files are compressed once, at level 9). */
function send(req, res, status, type, body, cacheKey = null) {
  const headers = { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
  if ((req.headers['accept-encoding'] ?? '').includes('gzip') && body.length > 0) {
    let gz = cacheKey && gzipped.get(cacheKey);
    if (!gz) {
      gz = gzipSync(body, { level: 9 });
      if (cacheKey) gzipped.set(cacheKey, gz);
    }
    headers['content-encoding'] = 'gzip';
    body = gz;
  }
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const page = url.pathname.match(/^\/page\/([a-z0-9-]+)\.html$/);
  if (page && (page[1] === 'none' || SNIPPETS[page[1]])) {
    const html = pageHtml(SNIPPETS[page[1]]?.({ origin: ORIGIN, tenant: config.host_tenant }) ?? '');
    return send(req, res, 200, TYPES['.html'], Buffer.from(html));
  }
  // The peers' chat backends: a dummy that answers so their launchers render.
  if (url.pathname.startsWith('/api/n8n/')) return send(req, res, 200, TYPES['.json'], Buffer.from('{"data":[]}'));
  if (url.pathname.startsWith('/api/')) return send(req, res, 404, TYPES['.json'], Buffer.from('{}'));
  const file = fileFor(url.pathname);
  if (!file) return send(req, res, 404, 'text/plain', Buffer.from('not found'));
  return send(req, res, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file), file);
});
await new Promise((resolve) => server.listen(config.static_port ?? 0, '127.0.0.1', resolve));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;

// ---- one page load -----------------------------------------------------------------------

// Installed before any page script: paint, long-task and layout-shift observers, and a
// per-frame check for the launcher (rAF callbacks run before the frame is painted).
function initScript({ finder }) {
  const state = { launcher: null, fcp: null, longtasks: [], cls: 0 };
  window.__bench = state;
  const observe = (type, fn) => {
    try { new PerformanceObserver((list) => list.getEntries().forEach(fn)).observe({ type, buffered: true }); } catch (e) { /* unsupported */ }
  };
  observe('paint', (e) => { if (e.name === 'first-contentful-paint') state.fcp = e.startTime; });
  observe('longtask', (e) => state.longtasks.push([e.startTime, e.duration]));
  observe('layout-shift', (e) => { if (!e.hadRecentInput) state.cls += e.value; });
  if (!finder) return;
  const find = new Function(`return (${finder})();`);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth
      && el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  };
  const tick = () => {
    const el = find();
    if (el && visible(el)) { state.launcher = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function kind(name) {
  const path = new URL(name).pathname;
  if (/\.m?js$/.test(path)) return 'js';
  if (/\.css$/.test(path)) return 'css';
  if (/\.wasm$/.test(path)) return 'wasm';
  return null;
}

async function newPage(browser, rate, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const blocked = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    blocked.push(url.host);
    return route.abort('blockedbyclient');
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  return { context, page, cdp, blocked };
}

/** Waits until the launcher (or, with no widget, the first paint) is there and the page has
 *  been quiet — no new resource, no new long task — for `quietMs`. */
async function settle(page, { needLauncher, quietMs = 1000, timeoutMs = 30_000 }) {
  const started = Date.now();
  let last = '';
  let since = Date.now();
  for (;;) {
    const now = await page.evaluate(() => ({
      ready: window.__bench.fcp !== null,
      launcher: window.__bench.launcher,
      marks: `${performance.getEntriesByType('resource').length}/${window.__bench.longtasks.length}`,
    }));
    if (now.marks !== last) { last = now.marks; since = Date.now(); }
    const there = needLauncher ? now.launcher !== null : now.ready;
    if (there && Date.now() - since >= quietMs) return true;
    if (Date.now() - started > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function loadHostPage(browser, id, rate) {
  const { context, page, cdp, blocked } = await newPage(browser, rate);
  try {
    await page.addInitScript(initScript, { finder: FINDERS[id] ?? null });
    await page.goto(`${ORIGIN}/page/${id}.html`, { waitUntil: 'load' });
    const settled = await settle(page, { needLauncher: id !== 'none' });
    const snapshot = await page.evaluate(() => ({
      ...window.__bench,
      resources: performance.getEntriesByType('resource').map((r) => ({
        name: r.name, encoded: r.encodedBodySize, decoded: r.decodedBodySize, end: r.responseEnd,
      })),
    }));
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const bytes = (filter) => {
      const out = { js: 0, css: 0, wasm: 0 };
      for (const r of snapshot.resources) {
        const k = kind(r.name);
        if (k && filter(r)) out[k] += r.encoded;
      }
      return out;
    };
    const launcher = snapshot.launcher;
    return {
      page: id, rate, settled,
      fcp: snapshot.fcp,
      launcher,
      tbt: snapshot.longtasks.reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0),
      long_tasks: snapshot.longtasks.length,
      cls: snapshot.cls,
      heap: heap.usedSize,
      bytes_before: launcher === null ? null : bytes((r) => r.end <= launcher),
      bytes_total: bytes(() => true),
      blocked: [...new Set(blocked)],
    };
  } finally {
    await context.close();
  }
}

// ---- what the shopper feels --------------------------------------------------------------

// Per-frame checks after a click / an Enter, inside the page (shadow root of #shopkeep-host).
function watchPanel() {
  const root = document.querySelector('#shopkeep-host').shadowRoot;
  const feel = { click: null, frame: null, shell: null, panel: null, composer: null };
  window.__feel = feel;
  // The click is complete when `click` fires (after pointerup); times run from its timestamp
  // (when the input happened). The first frame after the click is handled is the floor: no
  // page can answer a click sooner.
  addEventListener('click', (e) => {
    if (feel.click !== null) return;
    feel.click = e.timeStamp;
    requestAnimationFrame(() => { feel.frame = performance.now(); });
  }, { capture: true });
  const shown = (el) => el && el.getBoundingClientRect().width > 0 && el.checkVisibility({ visibilityProperty: true });
  const tick = () => {
    const now = performance.now();
    const input = root.querySelector('[data-sk=input]');
    if (feel.click !== null) {
      // embed.js's panel-shaped shell, drawn while the widget loads, counts as the panel.
      if (feel.shell === null && (shown(root.querySelector('[data-sk=shell]')) || shown(root.querySelector('[data-sk=panel]')))) feel.shell = now;
      if (feel.panel === null && shown(root.querySelector('[data-sk=panel]'))) feel.panel = now;
      if (shown(input) && !input.disabled && root.activeElement === input) {
        feel.composer = now;
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function watchAnswer() {
  const root = document.querySelector('#shopkeep-host').shadowRoot;
  const selector = '[data-sk=message][data-role=assistant]';
  const before = root.querySelectorAll(selector).length;
  const feel = { enter: null, words: null, done: false };
  window.__answer = feel;
  addEventListener('keydown', (e) => { if (e.key === 'Enter') feel.enter ??= e.timeStamp; }, { capture: true });
  const tick = () => {
    const all = root.querySelectorAll(selector);
    const message = all.length > before ? all[all.length - 1] : null;
    if (feel.enter !== null && feel.words === null && message && message.textContent.trim().length > 0) {
      feel.words = performance.now();
    }
    const status = message?.getAttribute('data-status');
    if (feel.words !== null && status && status !== 'streaming' && status !== 'pending') {
      feel.done = true;
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function feelOnce(browser, target, rate, question) {
  const { context, page } = await newPage(browser, rate);
  try {
    await page.addInitScript(initScript, { finder: FINDERS.shopkeep });
    // The same host page, on the gateway's origin (embed.js, widget and API from the gateway,
    // as on the demo storefront), so the chat request's Resource Timing is not cross-origin.
    const url = `${target.gateway}/__bench/host.html`;
    const html = pageHtml(SNIPPETS.shopkeep({ tenant: target.tenant, src: '/embed.js' }));
    await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(url, { waitUntil: 'load' });
    await settle(page, { needLauncher: true, quietMs: 500 });
    await page.evaluate(watchPanel);
    await page.locator('#shopkeep-host [data-sk=launcher]').click();
    await page.waitForFunction(() => window.__feel.composer !== null, null, { timeout: 30_000, polling: 50 });
    const opened = await page.evaluate(() => window.__feel);
    await page.keyboard.type(question);
    await page.waitForTimeout(300);
    await page.evaluate(watchAnswer);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__answer.done, null, { timeout: 60_000, polling: 50 });
    const answered = await page.evaluate(() => {
      const chat = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/v1/chat')).at(-1);
      return { ...window.__answer, headers: chat ? chat.responseStart : null };
    });
    return {
      responder: target.id, rate,
      next_frame: opened.frame - opened.click,
      panel: opened.shell - opened.click,
      widget_panel: opened.panel - opened.click,
      composer: opened.composer - opened.click,
      first_words: answered.words - answered.enter,
      headers: answered.headers === null ? null : answered.headers - answered.enter,
      words_after_headers: answered.headers === null ? null : answered.words - answered.headers,
    };
  } finally {
    await context.close();
  }
}

async function mobileScreenshot(browser, target, path) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  try {
    await page.goto(`${target.gateway}/mobile.html`, { waitUntil: 'load' });
    const launcher = page.locator('#shopkeep-host [data-sk=launcher]');
    await launcher.click();
    const input = page.locator('#shopkeep-host [data-sk=input]');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('Is the Summit jacket waterproof?');
    await page.locator('#shopkeep-host [data-sk=send]').click();
    await page.waitForFunction(() => {
      const m = [...document.querySelector('#shopkeep-host').shadowRoot.querySelectorAll('[data-sk=message][data-role=assistant]')].at(-1);
      return m && m.getAttribute('data-status') === 'complete';
    }, null, { timeout: 60_000 });
    await page.screenshot({ path });
  } finally {
    await context.close();
  }
}

// ---- the runs ----------------------------------------------------------------------------

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);
const browser = await chromium.launch({ executablePath: config.chromium, headless: true, args: CHROMIUM_ARGS });
const result = { chromium: browser.version(), origin: ORIGIN, host: [], shopper: [] };
try {
  if (config.sections.includes('host')) {
    const pages = ['none', 'shopkeep', ...Object.keys(config.peers)];
    // One discarded load of each page: the server compresses each file once, Chromium warms up.
    for (const id of pages) await loadHostPage(browser, id, 1);
    for (let run = 0; run < config.runs; run++) {
      for (const rate of rotate(config.throttles, run)) {
        for (const id of rotate(pages, run)) {
          const sample = await loadHostPage(browser, id, rate);
          result.host.push({ run, ...sample });
        }
      }
      console.log(`browser: host-page run ${run + 1} / ${config.runs}`);
    }
  }
  if (config.sections.includes('shopper')) {
    const question = 'How long does shipping take?';
    for (let run = 0; run < config.runs; run++) {
      for (const rate of rotate(config.throttles, run)) {
        for (const target of rotate(config.shopper, run)) {
          result.shopper.push({ run, ...(await feelOnce(browser, target, rate, question)) });
        }
      }
      console.log(`browser: shopper run ${run + 1} / ${config.runs}`);
    }
    if (config.screenshot) {
      const builtin = config.shopper.find((t) => t.id === 'builtin');
      if (builtin) await mobileScreenshot(browser, builtin, config.screenshot);
    }
  }
} finally {
  await browser.close();
  server.close();
}
writeFileSync(config.out, JSON.stringify(result, null, 1));
console.log(`browser: wrote ${config.out}`);
