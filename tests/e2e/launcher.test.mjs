// Proves SPEC §1 steps 1–2 on the demo storefront: embed.js draws the launcher before any of
// the widget's module or wasm is requested, and a click loads both and mounts the panel
// (role=dialog) inside the shadow root of #shopkeep-host; while they load, a panel-shaped
// shell with the panel's box shows at once and gives way to the panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, openPage, widget, isWidgetAsset } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the launcher renders before any widget asset is requested', async () => {
  const { context, page, requests, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    const w = widget(page);
    await w.launcher.waitFor({ state: 'visible', timeout: 15_000 });
    const widgetRequests = requests.filter(isWidgetAsset);
    assert.deepEqual(widgetRequests, [], 'no /widget/ request may precede the launcher');
    assert.ok(requests.some((url) => new URL(url).pathname === '/embed.js'), 'embed.js was loaded');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a click loads the widget module and wasm and mounts the panel', async () => {
  const { context, page, requests, responses, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    const w = widget(page);
    await w.launcher.waitFor({ state: 'visible' });
    await w.launcher.click();
    await w.panel.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await w.panel.getAttribute('role'), 'dialog');
    const module = requests.find((url) => isWidgetAsset(url) && url.endsWith('.js'));
    const wasm = requests.find((url) => isWidgetAsset(url) && url.endsWith('.wasm'));
    assert.ok(module, `the widget module was requested (requests: ${requests.join(', ')})`);
    assert.ok(wasm, 'the widget wasm was requested');
    for (const url of [module, wasm]) {
      const response = responses.find((r) => r.url() === url);
      assert.equal(response?.status(), 200, `${url} answered 200`);
      assert.match(response.headers()['cache-control'] ?? '', /immutable/, `${url} is cached forever`);
    }
    await w.input.waitFor({ state: 'visible' });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('while the widget loads, a shell with the panel\'s box shows, then gives way to the panel', async () => {
  const { context, page, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    // Hold the widget module back so the shell is there long enough to look at.
    await page.route(/\/widget\/.*\/shopkeep_widget\.js$/, async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue();
    });
    const w = widget(page);
    await w.launcher.waitFor({ state: 'visible' });
    await w.launcher.click();
    const shell = w.host.locator('[data-sk=shell]');
    await shell.waitFor({ state: 'visible', timeout: 2_000 });
    assert.equal(await shell.getAttribute('aria-hidden'), 'true');
    const shellBox = await shell.boundingBox();
    await w.panel.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await shell.count(), 0, 'the shell is gone once the panel is there');
    const panelBox = await w.panel.boundingBox();
    for (const key of ['x', 'y', 'width', 'height']) {
      assert.ok(Math.abs(shellBox[key] - panelBox[key]) <= 1, `shell ${key} ${shellBox[key]} = panel ${key} ${panelBox[key]}`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
