// The handoff in the real widget (issue 14, widget side), in Chromium against the real gateway:
// the shopper presses "Talk to a person" and is told what happens; staff (driven through the
// signed admin API, as in handoff.test.mjs) take the conversation and reply, and the reply
// appears live over the widget's socket; a reload restores everything once; staff hand back and
// the assistant answers again; a closed conversation shows the rating form, and the rating is
// stored. Outside business hours the widget shows the contact form instead. A thumbs-up on an
// AI answer asks for a rating too. The person module (widget/README.md "Two modules") is loaded
// only when one of these needs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, FAKE_ANSWER_TAIL, launchBrowser, openPanel } from './helpers.mjs';
import { pageFor, messages } from './widget-helpers.mjs';
import { createTenantWithKeys, d1 } from './gateway.mjs';
import { admin, putConfig, staffPath } from './handoff-helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/**
 * A storefront page of tenant `t`; resolves the page, a `load()` that (re)loads it and a getter
 * of the conversation id. The page is written into a document the gateway itself served
 * (`setContent` keeps its URL): Chromium's local network access checks refuse a WebSocket to
 * loopback from a document Playwright fulfilled (`page.route`), which has no network address.
 */
async function storefront(t) {
  const page = await browser.newPage();
  const sessions = [];
  page.on('response', async (r) => {
    if (r.url().endsWith('/v1/sessions') && r.ok()) {
      sessions.push((await r.json()).conversation_id);
    }
  });
  if (process.env.SHOPKEEP_DEBUG_LIVE) {
    page.on('websocket', (ws) => {
      console.log('ws open', ws.url());
      ws.on('framereceived', (f) => console.log('ws <', f.payload));
      ws.on('framesent', (f) => console.log('ws >', f.payload));
      ws.on('socketerror', (e) => console.log('ws error', e));
      ws.on('close', () => console.log('ws closed'));
    });
    page.on('console', (m) => console.log('console', m.text()));
  }
  const load = async () => {
    await page.goto(`${GATEWAY}/storefront-${t.id}.html`);
    await page.setContent(pageFor(t.id));
  };
  await load();
  return { page, load, conversation: () => sessions.at(-1) };
}

const sk = (page, hook) => page.locator('#shopkeep-host').locator(`[data-sk=${hook}]`);
const byRole = async (page, role) => (await messages(page)).filter((m) => m.role === role).map((m) => m.text);

async function until(what, check, timeout = 15_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function send(page, text) {
  await sk(page, 'input').fill(text);
  await sk(page, 'send').click();
}

test('talk to a person, a live staff reply, a reload that loses and repeats nothing, hand-back, close and rate', async () => {
  const t = await createTenantWithKeys('whandoff');
  const { page, load, conversation } = await storefront(t);
  await openPanel(page);

  // No socket at all while the chat is pure AI, and not the person module either: the widget
  // every chat loads is the build without it (widget/README.md "Two modules").
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const modules = [];
  page.on('request', (r) => {
    const m = /\/(shopkeep_widget(?:_p)?)\.js$/.exec(r.url());
    if (m) modules.push(m[1]);
  });
  await send(page, 'Do you ship to Norway?');
  await until('the AI answer', async () => (await byRole(page, 'assistant')).some((t) => t.includes(FAKE_ANSWER_TAIL)));
  assert.equal(sockets.length, 0, 'no socket for a pure-AI chat');
  assert.deepEqual(modules, [], 'the person module is not loaded for a pure-AI chat');
  const lighter = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /shopkeep_widget/.test(n)));
  assert.ok(lighter.some((n) => /shopkeep_widget\.js$/.test(n)) && !lighter.some((n) => /_p\.js$/.test(n)), lighter.join(' '));

  // "Talk to a person" swaps in the person module, which asks for one.
  await sk(page, 'handoff').click();
  await until('the person module', () => modules.includes('shopkeep_widget_p'));
  await until('the notice', async () => (await byRole(page, 'system')).some((t) => /usually within \d+ minutes/.test(t)));
  const c = conversation();
  assert.ok(c, 'the widget made a session');
  await until('the live socket', () => sockets.length > 0);
  assert.match(sockets[0], /\/v1\/live\?ticket=/);

  const taken = await admin(t, 'POST', staffPath(t, c, 'take'), { name: 'Sam' });
  assert.equal(taken.status, 200, JSON.stringify(taken.json));
  await until('person joined', async () => (await byRole(page, 'system')).some((t) => /joined/.test(t)));
  const reply = await admin(t, 'POST', staffPath(t, c, 'messages'), { text: 'Hi, this is Sam. Let me check.', name: 'Sam' });
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  await until('the staff reply, live', async () => (await byRole(page, 'staff')).includes('Hi, this is Sam. Let me check.'));

  // The shopper writes while Sam owns the conversation: the message reaches the live log, the
  // assistant stays silent, and the widget shows it once.
  const answersBefore = (await byRole(page, 'assistant')).length;
  await send(page, 'My parcel is lost');
  await until('the message stored for staff', async () =>
    (await d1(`SELECT COUNT(*) AS n FROM live_entries WHERE tenant_id = '${t.id}' AND conversation_id = '${c}' AND text = 'My parcel is lost'`))[0].n === 1);
  await page.waitForTimeout(500);
  assert.equal((await byRole(page, 'assistant')).length, answersBefore, 'no AI answer while a person owns it');
  assert.equal((await byRole(page, 'user')).filter((t) => t === 'My parcel is lost').length, 1);

  // Reload mid-conversation: everything once, nothing lost.
  const before = await messages(page);
  modules.length = 0;
  await load();
  await openPanel(page);
  // The conversation involves a person: the page loads the person module at once, only it.
  await until('the person module after the reload', () => modules.length > 0);
  assert.deepEqual(modules, ['shopkeep_widget_p']);
  await until('the staff reply after the reload', async () => (await byRole(page, 'staff')).includes('Hi, this is Sam. Let me check.'));
  const second = await admin(t, 'POST', staffPath(t, c, 'messages'), { text: 'Found it: it is in Oslo.', name: 'Sam' });
  assert.equal(second.status, 200);
  await until('a reply after the reload, live', async () => (await byRole(page, 'staff')).includes('Found it: it is in Oslo.'));
  const after = await messages(page);
  const count = (list, role, text) => list.filter((m) => m.role === role && m.text === text).length;
  for (const m of before) {
    assert.equal(count(after, m.role, m.text), count(before, m.role, m.text), `${m.role} "${m.text}" once after the reload`);
  }
  assert.deepEqual(await byRole(page, 'staff'), ['Hi, this is Sam. Let me check.', 'Found it: it is in Oslo.']);

  // Hand back: the notice, then the assistant answers again.
  const back = await admin(t, 'POST', staffPath(t, c, 'hand-back'), {});
  assert.equal(back.status, 200, JSON.stringify(back.json));
  await until('back to the assistant', async () => (await byRole(page, 'system')).some((t) => /assistant answers again/.test(t)));
  const answers = (await byRole(page, 'assistant')).length;
  await send(page, 'What are your opening hours?');
  await until('the AI answers again', async () => (await byRole(page, 'assistant')).length > answers
    && (await byRole(page, 'assistant')).at(-1).includes(FAKE_ANSWER_TAIL));

  // A person again, then closed: the rating form; the rating is stored.
  await sk(page, 'handoff').click();
  await until('waiting again', async () => (await byRole(page, 'system')).filter((t) => /usually within/.test(t)).length >= 2);
  assert.equal((await admin(t, 'POST', staffPath(t, c, 'take'), { name: 'Sam' })).status, 200);
  await until('joined again', async () => (await byRole(page, 'system')).filter((t) => /joined/.test(t)).length >= 2);
  const closed = await admin(t, 'POST', staffPath(t, c, 'close'), {});
  assert.equal(closed.status, 200, JSON.stringify(closed.json));
  await sk(page, 'csat').waitFor({ state: 'visible', timeout: 15_000 });
  await sk(page, 'csat-4').click();
  await sk(page, 'csat-comment').fill('Sam was quick');
  await sk(page, 'csat-send').click();
  await sk(page, 'csat-thanks').waitFor({ state: 'visible', timeout: 15_000 });
  const csat = await d1(`SELECT rating, comment FROM csat WHERE tenant_id = '${t.id}' AND conversation_id = '${c}'`);
  assert.deepEqual(csat, [{ rating: 4, comment: 'Sam was quick' }]);
  await page.close();
});

test('outside business hours the widget asks for an email and sends it', async () => {
  const t = await createTenantWithKeys('whours');
  const today = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date().getUTCDay()];
  const other = today === 'mon' ? 'tue' : 'mon';
  await putConfig(t, (config) => {
    config.handoff = { hours: { time_zone: 'UTC', spans: [{ day: other, open: '09:00', close: '09:01' }], holidays: [] }, rules: { reply_minutes: 15 } };
  });
  const { page, conversation } = await storefront(t);
  await openPanel(page);
  await sk(page, 'handoff').click();
  await until('the closed notice', async () => (await byRole(page, 'system')).some((t) => /leave your email/.test(t)));
  await sk(page, 'contact').waitFor({ state: 'visible', timeout: 15_000 });
  await sk(page, 'contact-email').fill('ann@example.com');
  await sk(page, 'contact-send').click();
  await sk(page, 'csat-thanks').waitFor({ state: 'visible', timeout: 15_000 });
  const inbox = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/inbox`);
  const row = inbox.json.conversations.find((r) => r.conversation_id === conversation());
  assert.equal(row?.contact_email, 'ann@example.com', JSON.stringify(inbox.json));
  await page.close();
});

test('a thumbs-up on an answer asks how we did (the rating form swaps in), and the rating is stored', async () => {
  const t = await createTenantWithKeys('whelpful');
  const { page, conversation } = await storefront(t);
  const modules = [];
  page.on('request', (r) => {
    const m = /\/(shopkeep_widget(?:_p)?)\.js$/.exec(r.url());
    if (m) modules.push(m[1]);
  });
  await openPanel(page);
  await send(page, 'Do you ship to Norway?');
  await until('the AI answer', async () => (await byRole(page, 'assistant')).some((t) => t.includes(FAKE_ANSWER_TAIL)));
  assert.equal(await sk(page, 'csat').count(), 0, 'no rating form before the shopper says anything');
  await sk(page, 'thumb-up').first().click();
  // The build without the person module swaps it in, with the rating form open.
  await sk(page, 'csat').waitFor({ state: 'visible', timeout: 15_000 });
  assert.ok(modules.includes('shopkeep_widget_p'), modules.join(' '));
  // The answer is still there (the swapped-in widget restored the conversation).
  await until('the answer after the swap', async () => (await byRole(page, 'assistant')).some((t) => t.includes(FAKE_ANSWER_TAIL)));
  await sk(page, 'csat-5').click();
  await sk(page, 'csat-send').click();
  await sk(page, 'csat-thanks').waitFor({ state: 'visible', timeout: 15_000 });
  const c = conversation();
  const csat = await d1(`SELECT rating FROM csat WHERE tenant_id = '${t.id}' AND conversation_id = '${c}'`);
  assert.deepEqual(csat, [{ rating: 5 }]);
  const up = await d1(`SELECT rating FROM feedback WHERE tenant_id = '${t.id}' AND conversation_id = '${c}'`);
  assert.deepEqual(up, [{ rating: 'up' }]);
});
