// The widget is safe on any page (SPEC §3, issue 6): assistant text carrying markup renders as
// text, the open panel passes axe-core without serious or critical violations, and the widget
// works under a strict Content-Security-Policy without a single violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GATEWAY, launchBrowser, openPage, openPanel, sendAndWait } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// Each line comes back in the fake runtime's "Echo: <message>. …" answer, i.e. in the
// assistant's markdown — the path a prompt-injected model answer would take.
const CORPUS = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '<svg onload="window.__xss = \'svg\'"><circle r=1 /></svg>',
  '<iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
  '[click me](javascript:window.__xss=1) [data](data:text/html,<script>alert(1)</script>)',
  '[vb](vbscript:msgbox) <a href="javascript:alert(1)">raw anchor</a>',
  '**<b onmouseover="window.__xss=1">bold</b>** `<code>` <div style="position:fixed">',
  '<<script>script>broken</scr<script>ipt> <img src=x onerror=alert(1)//',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
];

test('the XSS corpus in an answer renders as text', async () => {
  const { context, page, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    await openPanel(page);
    const { reply, status } = await sendAndWait(page, CORPUS.join('\n'));
    assert.equal(status, 'complete');
    const report = await reply.evaluate((message) => ({
      elements: [...message.querySelectorAll('*')].map((e) => e.localName),
      hrefs: [...message.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      handlers: [...message.querySelectorAll('*')]
        .flatMap((e) => [...e.attributes].map((a) => a.name))
        .filter((n) => n.startsWith('on') || n === 'style' || n === 'src'),
      text: message.textContent,
      xss: window.__xss ?? null,
    }));
    const allowed = new Set(['p', 'br', 'strong', 'em', 'code', 'pre', 'ul', 'ol', 'li', 'a',
      'div', 'button', 'svg', 'path']); // div/button/svg/path: the widget's own thumbs
    const foreign = report.elements.filter((e) => !allowed.has(e));
    assert.deepEqual(foreign, [], `elements from the text: ${foreign}`);
    assert.deepEqual(report.handlers, []);
    assert.ok(report.hrefs.every((h) => /^https?:/.test(h)), `hrefs: ${report.hrefs}`);
    assert.equal(report.xss, null);
    // (`__xss` loses its underscores to markdown emphasis; the markup around it stays text.)
    assert.ok(report.text.includes('<img src=x onerror="window.'), report.text);
    assert.ok(report.text.includes('<script>window.'), report.text);
    assert.ok(report.text.includes('<svg onload='), report.text);
    // Only the thumbs' own SVG exists, inside the feedback buttons.
    const svgOutsideThumbs = await reply.evaluate((m) =>
      [...m.querySelectorAll('svg')].filter((s) => !s.closest('[data-sk^=thumb]')).length);
    assert.equal(svgOutsideThumbs, 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the open panel has no serious or critical axe-core violations', async () => {
  const { context, page } = await openPage(browser, `${GATEWAY}/`);
  try {
    const w = await openPanel(page);
    await sendAndWait(page, 'What is your return policy?');
    // Focus went into the dialog, Tab stays inside it, Esc returns focus to the launcher.
    const inPanel = () => page.evaluate(() => {
      const root = document.querySelector('#shopkeep-host').shadowRoot;
      return !!root.activeElement && !!root.activeElement.closest('[data-sk=panel]');
    });
    assert.ok(await inPanel(), 'focus moves into the panel on open');
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      assert.ok(await inPanel(), `Tab ${i} stays in the dialog`);
    }
    await page.keyboard.press('Shift+Tab');
    assert.ok(await inPanel());
    const axePath = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
    await page.addScriptTag({ path: axePath });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run({ include: [['#shopkeep-host']] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], JSON.stringify(violations));
    const live = await page.evaluate(() =>
      document.querySelector('#shopkeep-host').shadowRoot.querySelector('[data-sk=live]').textContent);
    assert.ok(live.length > 0 && !live.includes('**'), `announced as plain text: ${live}`);
    await page.keyboard.press('Escape');
    await w.panel.waitFor({ state: 'hidden' });
    const focused = await page.evaluate(() =>
      document.querySelector('#shopkeep-host').shadowRoot.activeElement?.getAttribute('data-sk'));
    assert.equal(focused, 'launcher');
  } finally {
    await context.close();
  }
});

test('under a strict CSP the widget loads, opens and streams with no violation', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  try {
    // Init scripts run through the DevTools protocol, outside the page's CSP.
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      }, true);
    });
    await page.goto(`${GATEWAY}/strict-csp.html`, { waitUntil: 'domcontentloaded' });
    await openPanel(page);
    const { status } = await sendAndWait(page, 'How long does shipping take?');
    assert.equal(status, 'complete');
    const violations = await page.evaluate(() => window.__violations);
    assert.deepEqual(violations, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
