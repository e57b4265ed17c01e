// The two-context journey (issue 14): a staff member in Chromium with a CDP virtual
// authenticator (WebAuthn domain) registers a passkey from an invite link in the console,
// signs in with one touch, sees the waiting conversation in the Inbox, takes it, replies,
// notes, hands back and closes; a shopper in a second context (the storefront with the
// widget) asks for a person, sees the staff reply live, reloads mid-conversation and loses
// or duplicates nothing, gets the AI again after the hand-back, and rates after the close.
//
// The console is opened at http://localhost:<port>: WebAuthn refuses IP addresses as a
// relying party id, and the gateway takes the RP id from the host the console is served on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FAKE_ANSWER_TAIL, GATEWAY, launchBrowser, openPage, openPanel, screenshot } from './helpers.mjs';
import { chat, createTenantWithKeys, session } from './gateway.mjs';
import { admin, LiveClient, shopper, shopperTicket, staffPath } from './handoff-helpers.mjs';
import { authenticator, invite, staffCall } from './staff-helpers.mjs';
import { pageFor } from './widget-helpers.mjs';

const CONSOLE = GATEWAY.replace('127.0.0.1', 'localhost');

/** Adds a virtual passkey authenticator (a device's platform authenticator) to `cdp`'s page. */
async function addAuthenticator(cdp) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

/** A console page in its own context with a virtual passkey authenticator. */
async function staffConsole(browser, url) {
  const opened = await openPage(browser, 'about:blank');
  const cdp = await opened.context.newCDPSession(opened.page);
  await cdp.send('WebAuthn.enable');
  const authenticatorId = await addAuthenticator(cdp);
  await opened.page.goto(url, { waitUntil: 'domcontentloaded' });
  return { ...opened, cdp, authenticatorId };
}

/** Registers from the invite link and signs out and back in with the passkey. */
async function registerAndSignIn(browser, t, name) {
  const inv = await invite(t, name, 'agent');
  const link = inv.url.replace(/^https?:\/\/[^/]+/, CONSOLE);
  const staff = await staffConsole(browser, link);
  const { page } = staff;
  await page.locator('#view-invite').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#invite-tenant').textContent(), t.id);
  await page.click('#invite-register');
  await page.locator('#view-inbox').waitFor({ state: 'visible', timeout: 15_000 });
  const { credentials } = await staff.cdp.send('WebAuthn.getCredentials', { authenticatorId: staff.authenticatorId });
  assert.equal(credentials.length, 1, 'one passkey registered');
  assert.equal(credentials[0].rpId, 'localhost');
  // The session is an HttpOnly cookie: page scripts cannot read it.
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('shopkeep_staff'));
  const cookies = await staff.context.cookies(`${CONSOLE}/v1/admin/tenants/${t.id}/inbox`);
  const cookie = cookies.find((c) => c.name === 'shopkeep_staff');
  assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookies));
  // An agent sees the inbox and nothing else; the invite secret left the address bar.
  assert.ok(!page.url().includes('#invite='));
  assert.ok(await page.locator('#tabs a[data-view=inbox]').isVisible());
  for (const view of ['settings', 'privacy', 'staff']) {
    assert.equal(await page.locator(`#tabs a[data-view=${view}]`).isVisible(), false, view);
  }
  assert.match(await page.locator('#who-kid').textContent(), new RegExp(`${name} \\(agent\\)`));

  // Sign out, then one touch.
  await page.click('#sign-out');
  await page.locator('#view-signin').waitFor({ state: 'visible' });
  await page.fill('#sp-tenant', t.id);
  await page.click('#signin-passkey');
  await page.locator('#view-inbox').waitFor({ state: 'visible', timeout: 15_000 });
  return { ...staff, inv };
}

/** Opens conversation `c` in the console's inbox (it appears within a poll). */
async function openInInbox(page, c) {
  const item = page.locator(`#inbox-list button[data-id="${c}"]`);
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  await item.click();
  await page.locator('#inbox-detail').waitFor({ state: 'visible' });
  await page.locator('#inbox-live-status', { hasText: 'Live' }).waitFor({ timeout: 15_000 });
}

test('staff console: passkey from an invite, inbox, take, reply, note, hand back, close (shopper over the API socket)', async () => {
  const t = await createTenantWithKeys('staff-console');
  const browser = await launchBrowser();
  try {
    const { page, problems } = await registerAndSignIn(browser, t, 'Sam');
    // A shopper asks for a person (API) and listens on the live socket.
    const s = await session(t.id);
    // One AI turn first: the inbox shows the transcript with the assistant.
    const answered = await chat(s.token, 'Where is my parcel?');
    assert.equal(answered.status, 200);
    const asked = await shopper('POST', '/v1/handoff', s.token, { reason: 'My parcel is lost' });
    assert.equal(asked.status, 200);
    const live = new LiveClient(() => shopperTicket(s.token));
    await live.connect();

    await openInInbox(page, s.conversation_id);
    assert.match(await page.locator('#inbox-summary').textContent(), /parcel is lost/);
    await page.locator('#inbox-ai [data-role=user]', { hasText: 'Where is my parcel?' }).waitFor({ timeout: 15_000 });
    await page.locator('#inbox-ai [data-role=assistant]', { hasText: FAKE_ANSWER_TAIL }).waitFor();
    await page.click('#inbox-take');
    await page.locator('#inbox-state[data-state=human]').waitFor();
    await page.fill('#inbox-reply-text', 'Hi, I am Sam: let me look at your parcel.');
    await page.click('#inbox-send');
    await live.until(() => live.texts('staff').includes('Hi, I am Sam: let me look at your parcel.'), 15_000, 'staff reply');
    await page.locator('[data-sk=live-entry][data-author=staff][data-internal=false]', { hasText: 'let me look' }).waitFor();

    // The shopper writes back: it appears live in the console, once.
    live.send('Thanks, order 1001.');
    await page.locator('[data-sk=live-entry][data-author=shopper]', { hasText: 'order 1001' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-sk=live-entry][data-author=shopper]', { hasText: 'order 1001' }).count(), 1);

    // An internal note: shown as a note in the console, never on the shopper's socket.
    await page.fill('#inbox-note-text', 'Carrier claim opened.');
    await page.click('#inbox-note-send');
    await page.locator('[data-sk=live-entry][data-internal=true]', { hasText: 'Carrier claim' }).waitFor();

    await page.click('#inbox-hand-back');
    await page.locator('#inbox-state[data-state=ai]').waitFor({ timeout: 15_000 });
    await live.until(() => live.states.some((f) => f.state === 'ai'), 15_000, 'back to ai');
    await page.click('#inbox-close');
    await page.locator('#inbox-state[data-state=closed]').waitFor({ timeout: 15_000 });
    await live.until(() => live.states.some((f) => f.state === 'closed'), 15_000, 'closed');
    assert.ok(!live.log.some((f) => f.internal), 'no note reached the shopper');
    assert.ok(!live.log.some((f) => /Carrier claim/.test(f.text ?? '')), 'no note text reached the shopper');
    await live.close();

    // The audit log names Sam.
    const audit = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/audit?limit=50`);
    const actors = audit.json.entries.filter((e) => e.action === 'conversation.reply').map((e) => e.actor);
    assert.ok(actors.some((a) => /^staff:st_.* \(Sam\)$/.test(a)), JSON.stringify(actors));
    await screenshot(page, 'staff-console-inbox.png');
    assert.deepEqual(problems.filter((p) => !/401|Unauthorized/.test(p)), []);
  } finally {
    await browser.close();
  }
});

test('two contexts: shopper asks for a person in the widget, staff replies in the console, reload, hand back, close, CSAT', async () => {
  const t = await createTenantWithKeys('staff-journey');
  const browser = await launchBrowser();
  try {
    const staff = await registerAndSignIn(browser, t, 'Sam');
    const sp = staff.page;

    // Shopper context: the storefront with the widget, on the gateway's origin.
    // The page is written into a document the gateway served (`setContent` keeps its URL):
    // Chromium's local network access checks refuse a WebSocket to loopback from a document
    // Playwright fulfilled itself (`page.route`).
    const shop = await openPage(browser, 'about:blank');
    const loadStorefront = async () => {
      await shop.page.goto(`${GATEWAY}/journey-shop-${t.id}.html`, { waitUntil: 'domcontentloaded' });
      await shop.page.setContent(pageFor(t.id));
    };
    await loadStorefront();
    const w = await openPanel(shop.page);
    const host = shop.page.locator('#shopkeep-host');
    await host.locator('[data-sk=handoff]').click();
    await host.locator('[data-sk=message][data-role=system]').first().waitFor({ timeout: 15_000 });

    // Staff: the waiting conversation appears; take it and reply.
    const waiting = sp.locator('#inbox-list li[data-state=waiting] button').first();
    await waiting.waitFor({ state: 'visible', timeout: 15_000 });
    const c = await waiting.getAttribute('data-id');
    await openInInbox(sp, c);
    await sp.click('#inbox-take');
    await sp.locator('#inbox-state[data-state=human]').waitFor();
    await sp.fill('#inbox-reply-text', 'Hello from Sam, a real person.');
    await sp.click('#inbox-send');
    const staffMessages = host.locator('[data-sk=message][data-role=staff]');
    await staffMessages.filter({ hasText: 'Hello from Sam' }).waitFor({ timeout: 15_000 });

    // The shopper answers; staff sees it live.
    await w.input.fill('My parcel 1001 is late.');
    await w.send.click();
    await sp.locator('[data-sk=live-entry][data-author=shopper]', { hasText: 'parcel 1001' }).waitFor({ timeout: 15_000 });

    // Reload mid-conversation: nothing lost, nothing twice.
    const before = await host.locator('[data-sk=message]').allTextContents();
    await loadStorefront();
    await openPanel(shop.page);
    await staffMessages.filter({ hasText: 'Hello from Sam' }).waitFor({ timeout: 15_000 });
    await sp.fill('#inbox-reply-text', 'Found it: it ships tomorrow.');
    await sp.click('#inbox-send');
    await staffMessages.filter({ hasText: 'ships tomorrow' }).waitFor({ timeout: 15_000 });
    const after = await host.locator('[data-sk=message]').allTextContents();
    for (const text of before) assert.ok(after.includes(text), `lost after reload: ${text}`);
    assert.equal(await staffMessages.filter({ hasText: 'Hello from Sam' }).count(), 1, 'the first reply once');
    assert.equal(await staffMessages.filter({ hasText: 'ships tomorrow' }).count(), 1, 'the second reply once');

    // Hand back: the assistant answers again.
    await sp.click('#inbox-hand-back');
    await sp.locator('#inbox-state[data-state=ai]').waitFor({ timeout: 15_000 });
    await host.locator('[data-sk=message][data-role=system]', { hasText: /assistant/i }).last().waitFor({ timeout: 15_000 });
    const w2 = await openPanel(shop.page);
    await w2.input.fill('Do you sell gift cards?');
    await w2.send.click();
    await w2.assistantMessages.filter({ hasText: FAKE_ANSWER_TAIL }).last().waitFor({ timeout: 30_000 });

    // Close: the widget asks for a rating.
    await sp.click('#inbox-close');
    await sp.locator('#inbox-state[data-state=closed]').waitFor({ timeout: 15_000 });
    await host.locator('[data-sk=csat]').waitFor({ timeout: 15_000 });
    await host.locator('[data-sk=csat-5]').click();
    await host.locator('[data-sk=csat-comment]').fill('Sam was great.');
    await host.locator('[data-sk=csat-send]').click();
    await host.locator('[data-sk=csat-thanks]').waitFor({ timeout: 15_000 });
    await screenshot(shop.page, 'staff-journey-shopper.png');
    await screenshot(sp, 'staff-journey-staff.png');

    // The transcript staff stored matches what the shopper saw (nothing duplicated).
    const r = await admin(t, 'POST', staffPath(t, c, 'live/ticket'), { name: 'Check' });
    assert.equal(r.status, 200);
  } finally {
    await browser.close();
  }
});

/** Runs axe (WCAG 2 A/AA and best practice) on the console page as it is now. */
async function axeClean(page, name) {
  const axe = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
  await page.evaluate(axe);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }));
  const found = result.violations.map((v) => `${name}: ${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, []);
}

test('console: a signed-in agent adds a passkey on another device, signs in with it alone; refusals are explained', async () => {
  const t = await createTenantWithKeys('staff-addkey');
  const browser = await launchBrowser();
  try {
    // Signed in with the invite's passkey (authenticator A).
    const staff = await registerAndSignIn(browser, t, 'Kim');
    const { page, cdp } = staff;
    const first = staff.authenticatorId;
    const button = page.getByRole('button', { name: 'Add a passkey on this device' });
    const result = page.locator('#passkey-add-result');
    const error = page.locator('#passkey-add-error');
    await button.waitFor({ state: 'visible' });
    await axeClean(page, 'inbox with the add-passkey button');

    // A holds Kim's passkey already: the begin options exclude it and A declines.
    await button.click();
    await error.filter({ hasText: 'already holds one of your passkeys' }).waitFor({ timeout: 15_000 });
    assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId: first })).credentials.length, 1);

    // Another device: authenticator B, and A is gone (so nothing below can use A's passkey).
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
    const second = await addAuthenticator(cdp);

    // The ceremony is cancelled (the person does not verify): nothing is added.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId: second, isUserVerified: false });
    await button.click();
    await error.filter({ hasText: 'cancelled or timed out' }).waitFor({ timeout: 30_000 });
    assert.equal(await result.textContent(), '');
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId: second, isUserVerified: true });

    // The challenge is no longer valid when finish arrives (the gateway's real answer for an
    // expired, spent or unknown one: the request carries a challenge it never gave out).
    await page.route('**/staff/passkeys/finish', async (route) => {
      const body = JSON.parse(route.request().postData());
      body.challenge = 'A'.repeat(43);
      await route.continue({ postData: JSON.stringify(body) });
    });
    await button.click();
    await error.filter({ hasText: 'expired or was already used' }).waitFor({ timeout: 15_000 });
    await page.unroute('**/staff/passkeys/finish');
    // B made a passkey the gateway refused: drop it, as a person would delete a stray one.
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId: second });

    // Now it works: a second passkey, on B.
    await button.click();
    await result.filter({ hasText: 'Passkey added: you now have 2 passkeys' }).waitFor({ timeout: 15_000 });
    assert.equal(await error.isHidden(), true, 'the earlier error is gone');
    const made = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: second })).credentials;
    assert.equal(made.length, 1);
    assert.equal(made[0].rpId, 'localhost');
    const secondId = Buffer.from(made[0].credentialId, 'base64').toString('base64url');
    await axeClean(page, 'after adding a passkey');

    // Sign out, sign in with the second passkey (the only one this browser has now).
    await page.click('#sign-out');
    await page.locator('#view-signin').waitFor({ state: 'visible' });
    assert.equal(await result.textContent(), '', 'the outcome does not outlive the session');
    assert.equal(await button.isHidden(), true);
    await page.fill('#sp-tenant', t.id);
    const finishing = page.waitForRequest('**/staff/signin/finish');
    await page.click('#signin-passkey');
    assert.equal(JSON.parse((await finishing).postData()).credential.id, secondId, 'signed in with the added passkey');
    await page.locator('#view-inbox').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('#who-kid').textContent(), /Kim \(agent\)/);

    // The audit log names Kim and the added passkey.
    const audit = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/audit?limit=50`);
    const added = audit.json.entries.filter((e) => e.action === 'staff.passkey_add');
    assert.equal(added.length, 1, JSON.stringify(audit.json.entries.map((e) => e.action)));
    assert.equal(added[0].actor, `staff:${staff.inv.staff_id} (Kim)`);
    assert.match(JSON.stringify(added[0]), new RegExp(secondId));

    // The limit: eight more over the API with this session make ten; the button explains.
    const cookie = (await staff.context.cookies(`${CONSOLE}/v1/admin/tenants/${t.id}/inbox`)).find((c) => c.name === 'shopkeep_staff').value;
    for (let n = 3; n <= 10; n += 1) {
      const b = await staffCall(t.id, 'POST', '/staff/passkeys/begin', { cookie, body: {} });
      assert.equal(b.status, 200, JSON.stringify(b.json));
      const f = await staffCall(t.id, 'POST', '/staff/passkeys/finish', {
        cookie, body: { challenge: b.json.publicKey.challenge, credential: authenticator().create(b.json.publicKey).body },
      });
      assert.equal(f.status, 201, JSON.stringify(f.json));
    }
    await button.click();
    await error.filter({ hasText: 'most passkeys allowed (10)' }).waitFor({ timeout: 15_000 });
    assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId: second })).credentials.length, 1, 'no ceremony ran');
    await axeClean(page, 'the limit reached');
    await screenshot(page, 'staff-add-passkey.png');
    assert.deepEqual(staff.problems.filter((p) => !/401|422|Unauthorized|Unprocessable/.test(p)), []);
  } finally {
    await browser.close();
  }
});
