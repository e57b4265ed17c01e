// The shopper's journey with the widget (SPEC §1, issue 6): the conversation survives a reload,
// an identity change never shows another shopper's chat, the consent notice gates the first
// message, and the screenshots for the README (desktop 1280×800, mobile 390×844).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATEWAY, launchBrowser, openPage, openPanel, sendAndWait, widget, screenshot, uniqueQuestion,
} from './helpers.mjs';
import { identityToken, messages, shopkeep, seedTenant, routePage, pageFor } from './widget-helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the conversation is restored after a reload', async () => {
  const { context, page, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    await openPanel(page);
    const question = uniqueQuestion('Do you ship to Norway?');
    const { status } = await sendAndWait(page, question);
    assert.equal(status, 'complete');
    await page.reload({ waitUntil: 'domcontentloaded' });
    const w = await openPanel(page);
    await w.userMessages.first().waitFor({ timeout: 30_000 });
    const after = await messages(page);
    assert.ok(after.some((m) => m.role === 'user' && m.text === question), JSON.stringify(after));
    assert.ok(after.some((m) => m.role === 'assistant' && m.text.includes('Norway')), JSON.stringify(after));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("switching identity never shows the previous shopper's chat; logout clears it", async () => {
  const { context, page } = await openPage(browser, `${GATEWAY}/`);
  try {
    const alice = await identityToken(`alice-${Date.now()}`);
    const bob = await identityToken(`bob-${Date.now()}`);
    await page.waitForFunction(() => typeof window.Shopkeep === 'function');
    await shopkeep(page, 'identify', alice);
    await openPanel(page);
    const secret = uniqueQuestion('Alice asks about her order');
    await sendAndWait(page, secret);
    const seen = async () => (await messages(page)).some((m) => m.text.includes(secret));
    assert.ok(await seen());

    await shopkeep(page, 'identify', bob);
    assert.equal(await seen(), false, "Bob sees nothing of Alice's chat");
    await sendAndWait(page, uniqueQuestion('Bob asks about boots'));
    assert.equal(await seen(), false);

    // After a reload, identifying Bob again shows Bob's conversation, never Alice's.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => typeof window.Shopkeep === 'function');
    await shopkeep(page, 'identify', bob);
    const w = await openPanel(page);
    await w.userMessages.first().waitFor({ timeout: 30_000 });
    assert.ok((await messages(page)).some((m) => m.text.includes('Bob asks about boots')));
    assert.equal(await seen(), false);

    // Alice comes back (on any device): her own conversation follows her.
    await shopkeep(page, 'identify', alice);
    await page.waitForFunction((s) => {
      const root = document.querySelector('#shopkeep-host').shadowRoot;
      return [...root.querySelectorAll('[data-sk=message]')].some((m) => m.textContent.includes(s));
    }, secret, { timeout: 30_000 });

    // Logout: nothing of hers stays on screen or in storage.
    await shopkeep(page, 'reset');
    assert.equal((await messages(page)).length, 0);
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith('session')));
    assert.deepEqual(stored, []);
  } finally {
    await context.close();
  }
});

test('host-page API: queued commands, events and the unread badge', async () => {
  const { context, page } = await openPage(browser, `${GATEWAY}/`);
  try {
    await page.waitForFunction(() => typeof window.Shopkeep === 'function');
    await page.evaluate(() => {
      window.__events = [];
      for (const e of ['opened', 'closed', 'message_sent', 'message_received', 'unread_changed']) {
        window.Shopkeep('on', e, (d) => window.__events.push([e, d]));
      }
      window.Shopkeep('update', { locale: 'de' });
      window.Shopkeep('open'); // loads the widget; the update is applied first
    });
    const w = widget(page);
    await w.panel.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => {
      const root = document.querySelector('#shopkeep-host').shadowRoot;
      return root.querySelector('[data-sk=send]').textContent === 'Senden';
    }, null, { timeout: 10_000 });
    await sendAndWait(page, uniqueQuestion('Wie lange dauert der Versand?'));
    await shopkeep(page, 'close');
    const names = await page.evaluate(() => window.__events.map(([e]) => e));
    for (const e of ['opened', 'message_sent', 'message_received', 'closed']) {
      assert.ok(names.includes(e), `${e} in ${names}`);
    }
    await shopkeep(page, 'destroy');
    assert.equal(await page.locator('#shopkeep-host').count(), 0);
  } finally {
    await context.close();
  }
});

test('a tenant requiring consent gets accept/decline before the first message', async () => {
  await seedTenant('consentdemo', (t) => {
    t.public.privacy.consent_required = true;
    t.privacy.consent_required = true;
    t.public.texts.consent_text = 'We store this chat. OK?';
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await routePage(page, '/consent-page.html', pageFor('consentdemo'));
    await page.goto(`${GATEWAY}/consent-page.html`);
    const w = await openPanel(page);
    const consent = page.locator('#shopkeep-host [data-sk=consent]');
    await consent.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await consent.textContent(), /We store this chat/);
    assert.equal(await w.input.isDisabled(), true);
    await page.locator('#shopkeep-host [data-sk=consent-accept]').click();
    await consent.waitFor({ state: 'hidden', timeout: 15_000 });
    const { status } = await sendAndWait(page, uniqueQuestion('What is your return policy?'));
    assert.equal(status, 'complete');
  } finally {
    await context.close();
  }
});

test('screenshots: desktop storefront with an answer, mobile full screen', async () => {
  const { context, page } = await openPage(browser, `${GATEWAY}/`);
  try {
    await openPanel(page);
    await sendAndWait(page, 'How long does shipping take?');
    await screenshot(page, 'widget-desktop.png');
  } finally {
    await context.close();
  }
  const mobile = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const page2 = await mobile.newPage();
  try {
    await page2.goto(`${GATEWAY}/mobile.html`);
    const w = await openPanel(page2);
    await sendAndWait(page2, 'Is the Summit jacket waterproof?');
    const box = await w.panel.boundingBox();
    assert.ok(box.width >= 389 && box.height >= 800, `full screen: ${JSON.stringify(box)}`);
    const fontSize = await w.input.evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok(fontSize >= 16, `input font ${fontSize}px (iOS zooms below 16px)`);
    await screenshot(page2, 'widget-mobile.png');
  } finally {
    await mobile.close();
  }
});
