// "Where is my order?" in workerd against the fake shop (issue 13), in both order API shapes
// (Shopify Admin, WooCommerce REST v3): the order source's admin routes (credentials
// write-only and sealed, refused credentials refused when saved); a verified shopper asks and
// gets both parcels of their partially shipped order with tracking links as an `order` block,
// through a model's lookup_order call and through the built-in responder; a guest gets their
// order with number + email; the model never sees an address, a phone or an email; shop API
// faults (401, 429, timeout) give a polite answer with a handoff offer and leak nothing; every
// lookup is audited without the email in clear; export contains the lookups, erase removes
// them; store-nothing mode stores no order data; a signed-in shopper whose identity token
// vouches for their email (`email_verified: true`) gets their guest checkout by its number
// alone, never another email's, never a list of guest orders, and an anonymous shopper's path
// is unchanged.
import { test } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { conversation, d1 } from './gateway.mjs';
import { admin, shopper } from './handoff-helpers.mjs';
import {
  EMAILS, NOT_FOUND, SHAPES, SHOPIFY_TOKEN, WOO_SECRET, chatFrom, fault, guestNumber, identityToken,
  newSession, orderTenant, ordersOf, textOf, upstreamRequestsWith,
} from './orders-helpers.mjs';

const BUILTIN = '[[scenario:status-429]]';
let ipSeq = 0;
/** A fresh client network per call site, so the per-IP attempt limit of one test never
 * reaches another. */
const freshIp = () => { ipSeq += 1; return `10.77.${Math.floor(ipSeq / 250)}.${ipSeq % 250 + 1}`; };
const sourcePath = (t) => `/v1/admin/tenants/${t.id}/orders/source`;

test('the order source: credentials write-only and sealed, refused credentials refused, tenant-scoped', async () => {
  const t = await orderTenant('ord-src', null);
  const b = await orderTenant('ord-src-b', null);
  assert.deepEqual((await admin(t, 'GET', sourcePath(t))).json, { source: null });
  for (const [body, field] of [
    [{ kind: 'magento', base_url: 'https://x.example' }, 'kind'],
    [{ kind: 'shopify_admin', base_url: 'https://x.example' }, 'access_token'],
    [{ kind: 'woocommerce', base_url: 'https://x.example', consumer_key: 'ck_1' }, 'consumer_secret'],
    [{ kind: 'shopify_admin', base_url: 'https://x.example', access_token: 'a b' }, 'access_token'],
  ]) {
    const r = await admin(t, 'PUT', sourcePath(t), body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(JSON.stringify(r.json), new RegExp(field));
  }
  const metadata = await admin(t, 'PUT', sourcePath(t), { kind: 'shopify_admin', base_url: 'http://169.254.169.254/latest', access_token: 'shpat_x' });
  assert.equal(metadata.status, 422, 'cloud metadata is never fetched');
  const wrong = await admin(t, 'PUT', sourcePath(t), { ...SHAPES[0].source(), access_token: 'shpat_wrong_token_value' });
  assert.equal(wrong.status, 422);
  assert.match(JSON.stringify(wrong.json), /refused these credentials/);
  assert.ok(!JSON.stringify(wrong.json).includes('shpat_wrong_token_value'), 'the error never echoes the credential');
  assert.deepEqual((await admin(t, 'GET', sourcePath(t))).json, { source: null }, 'nothing saved');
  for (const shape of SHAPES) {
    const saved = await admin(t, 'PUT', sourcePath(t), shape.source());
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    const got = await admin(t, 'GET', sourcePath(t));
    assert.equal(got.json.source.kind, shape.source().kind);
    assert.equal(got.json.source.credentials, 'set');
    const shown = JSON.stringify(got.json);
    for (const secret of [SHOPIFY_TOKEN, WOO_SECRET, 'ck_fakeshop']) assert.ok(!shown.includes(secret), `${secret} returned`);
    const [row] = await d1(`SELECT credentials FROM order_sources WHERE tenant_id = '${t.id}'`);
    for (const secret of [SHOPIFY_TOKEN, WOO_SECRET, 'ck_fakeshop']) assert.ok(!row.credentials.includes(secret), 'sealed at rest');
  }
  const audit = await d1(`SELECT detail_json FROM audit_log WHERE tenant_id = '${t.id}' AND action = 'orders.source_saved'`);
  assert.equal(audit.length, 2);
  assert.ok(!JSON.stringify(audit).includes('fakeshop_0123'), 'no credential in the audit');
  // Another tenant's key cannot read, change or remove it.
  for (const [method, body] of [['GET'], ['PUT', SHAPES[0].source()], ['DELETE']]) {
    const r = await admin(b, method, sourcePath(t), body);
    assert.equal(r.status, 401, method);
  }
  assert.equal((await admin(t, 'GET', sourcePath(t))).json.source.kind, 'woocommerce');
  assert.equal((await admin(t, 'DELETE', sourcePath(t))).status, 204);
  assert.deepEqual((await admin(t, 'GET', sourcePath(t))).json, { source: null });
});

test('an order API answer past the 2 MB cap is refused while it arrives, not after it was buffered', async () => {
  // An "order API" that streams an endless order list (chunked, no Content-Length) and counts
  // what it could write before the gateway stopped reading.
  let written = 0;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let open = true;
    res.on('close', () => { open = false; });
    const order = JSON.stringify({ id: 1, name: '#1', email: 'x@example.com', line_items: [{ title: 'x'.repeat(900) }] });
    const chunk = `${order},`.repeat(64);
    const write = (text) => new Promise((r) => {
      written += text.length;
      if (res.write(text)) { r(); return; }
      const done = () => { res.off('drain', done); res.off('close', done); r(); };
      res.once('drain', done);
      res.once('close', done);
    });
    (async () => {
      await write('{"orders":[');
      while (open && written < 64 * 1024 * 1024) await write(chunk);
      if (open) res.end('{}]}');
    })().catch(() => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const t = await orderTenant('ord-cap', null);
    const base = `http://127.0.0.1:${server.address().port}`;
    const r = await admin(t, 'PUT', sourcePath(t), { kind: 'shopify_admin', base_url: base, access_token: 'shpat_cap_test_token' });
    assert.equal(r.status, 422, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /larger than 2 MB/);
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(written < 16 * 1024 * 1024, `reading stopped near the cap: the server wrote ${written} B`);
    assert.deepEqual((await admin(t, 'GET', sourcePath(t))).json, { source: null }, 'nothing saved');
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
});

/** Both parcels of the partially shipped order, each with an https tracking link. */
function assertTwoParcels(card, shape) {
  assert.equal(card.number, shape.number(shape.first));
  assert.equal(card.status, shape.partial);
  assert.equal(card.parcels.length, 2, JSON.stringify(card));
  assert.deepEqual(card.parcels.map((p) => p.tracking_number).sort(), ['1Z999AA10123456784', 'JD014600003828']);
  for (const p of card.parcels) assert.match(p.tracking_url, /^https:\/\//);
  assert.ok(card.items.length >= 2, 'what was bought');
}

const PRIVATE = ['12 Analytical Row', '+44 20 7946 0001', 'ada@example.com', 'London'];

for (const shape of SHAPES) {
  test(`a verified shopper asks "where is my order?" and sees both parcels with tracking (${shape.name}, model)`, async () => {
    const t = await orderTenant(`ord-ver-${shape.name}`, shape);
    const s = await newSession(t, { identity: identityToken(t, shape.ada) });
    assert.equal(s.status, 201, JSON.stringify(s.json));
    const tag = `q${Date.now()}${shape.name}`;
    const r = await chatFrom(s.json.token, `Where is my order? ${tag}`, freshIp());
    assert.equal(r.events.at(-1).type, 'done', r.raw);
    assert.deepEqual(r.events.filter((e) => e.type === 'tool').map((e) => `${e.name}:${e.status}`), ['lookup_order:started', 'lookup_order:finished']);
    const cards = ordersOf(r.events);
    assert.deepEqual(cards.map((c) => c.number).sort(), [shape.number(shape.first), shape.number(shape.first + 1)], 'Ada\'s two orders');
    assert.ok(cards[0].placed_at >= cards[1].placed_at, 'newest first');
    assertTwoParcels(cards.find((c) => c.number === shape.number(shape.first)), shape);
    assert.match(textOf(r.events), /Order #\d+ is \w+\./);
    // The model saw status, items, parcels; never an address, a phone or an email.
    const fed = await upstreamRequestsWith(tag);
    const toolMessages = fed.flatMap((b) => b.messages).filter((m) => m.role === 'tool');
    assert.ok(toolMessages.length >= 1, 'the tool result reached the model');
    const seen = JSON.stringify(toolMessages);
    assert.match(seen, /JD014600003828|tracking/);
    for (const leak of PRIVATE) assert.ok(!seen.includes(leak), `${leak} reached the model`);
    // The cards come back with the conversation.
    const history = (await conversation(s.json.token)).messages;
    assert.deepEqual(history[1].blocks.map((b) => b.order.number), cards.map((c) => c.number));
  });

  test(`the built-in responder answers "where is my order?" for a verified shopper (${shape.name})`, async () => {
    const t = await orderTenant(`ord-bi-${shape.name}`, shape);
    const s = await newSession(t, { identity: identityToken(t, shape.ada) });
    const r = await chatFrom(s.json.token, `${BUILTIN} Where is my order?`, freshIp());
    assert.equal(r.events.at(-1).type, 'done', r.raw);
    assert.deepEqual(r.events.filter((e) => e.type === 'tool').map((e) => `${e.name}:${e.status}`), ['lookup_order:started', 'lookup_order:finished']);
    const cards = ordersOf(r.events);
    assert.equal(cards.length, 2);
    assertTwoParcels(cards.find((c) => c.number === shape.number(shape.first)), shape);
    assert.match(textOf(r.events), /Here are your recent orders/);
  });

  test(`a guest gets their order with number and email (${shape.name})`, async () => {
    const t = await orderTenant(`ord-guest-${shape.name}`, shape);
    const s = await newSession(t, { ip: freshIp() });
    const ip = freshIp();
    // The email typed in a different case is the same email.
    const r = await chatFrom(s.json.token, `Where is order ${shape.number(shape.first + 2)}? BEN.Okafor@Example.NET`, ip);
    assert.equal(r.events.at(-1).type, 'done', r.raw);
    const cards = ordersOf(r.events);
    assert.deepEqual(cards.map((c) => c.number), [shape.number(shape.first + 2)]);
    assert.equal(cards[0].status, 'processing');
    // Number without email: asked for it, nothing fetched.
    const asked = await chatFrom(s.json.token, `Where is order ${shape.number(shape.first + 2)}?`, ip);
    assert.deepEqual(ordersOf(asked.events), []);
    // The built-in responder does the same for a guest.
    const builtin = await chatFrom(s.json.token, `${BUILTIN} where is my order ${shape.number(shape.first)} ${EMAILS.ada}`, ip);
    const bcards = ordersOf(builtin.events);
    assert.deepEqual(bcards.map((c) => c.number), [shape.number(shape.first)]);
    assertTwoParcels(bcards[0], shape);
  });

  test(`shop API faults give a polite answer and a handoff offer, never the error (${shape.name})`, async () => {
    const t = await orderTenant(`ord-fault-${shape.name}`, shape);
    const target = shape.first + 5; // Dan's order: no other test asks for it as a guest
    const cases = [
      { status: 401 },
      { status: 429, retry_after: 1 },
      { status: 500 },
      { delay_ms: 6000 },
    ];
    for (const spec of cases) {
      const s = await newSession(t);
      await fault({ prefix: shape.faultPrefix, match: shape.numberQuery(target), times: 1, ...spec });
      const started = Date.now();
      const r = await chatFrom(s.json.token, `Where is ${shape.number(target)}? ${EMAILS.dan}`, freshIp());
      assert.equal(r.events.at(-1).type, 'done', `${JSON.stringify(spec)}: ${r.raw}`);
      assert.ok(Date.now() - started < 15_000, 'the lookup is time-limited');
      const text = textOf(r.events);
      assert.match(text, /did not answer.*person from the team/i, JSON.stringify(spec));
      assert.deepEqual(ordersOf(r.events), []);
      for (const leak of ['HTTP', 'Invalid API key', 'Unauthorized', 'Too Many', 'Internal', 'woocommerce_rest', 'errors', SHOPIFY_TOKEN, 'fakeshop', 'Retry-After']) {
        assert.ok(!r.raw.includes(leak), `${leak} leaked on ${JSON.stringify(spec)}`);
      }
    }
    const outcomes = await d1(`SELECT outcome FROM order_lookups WHERE tenant_id = '${t.id}' ORDER BY id`);
    assert.deepEqual(outcomes.map((o) => o.outcome), ['shop_credentials_refused', 'shop_rate_limited', 'shop_error', 'shop_unreachable']);
  });
}

test('every lookup is audited without the email in clear; export contains the lookups; erase removes them', async () => {
  const shape = SHAPES[0];
  const t = await orderTenant('ord-audit', shape);
  const s = await newSession(t);
  const ip = freshIp();
  await chatFrom(s.json.token, `Where is #1003? ${EMAILS.ben}`, ip);
  await chatFrom(s.json.token, `Where is #1003? eve@example.com`, ip);
  const audit = await d1(`SELECT actor, detail_json FROM audit_log WHERE tenant_id = '${t.id}' AND action = 'order.lookup' ORDER BY id`);
  assert.equal(audit.length, 2);
  const details = audit.map((a) => JSON.parse(a.detail_json));
  assert.deepEqual(details.map((d) => d.outcome), ['found', 'not_found']);
  assert.ok(details.every((d) => d.email_digest && d.number_digest && d.conversation_id === s.json.conversation_id));
  assert.notEqual(details[0].email_digest, details[1].email_digest);
  const rows = await d1(`SELECT * FROM order_lookups WHERE tenant_id = '${t.id}'`);
  const stored = JSON.stringify([audit, rows]);
  for (const clear of [EMAILS.ben, 'ben.okafor', 'eve@example.com', 'Okafor']) assert.ok(!stored.includes(clear), `${clear} stored in clear`);
  const exported = await shopper('POST', '/v1/privacy/export', s.json.token, {});
  assert.equal(exported.status, 200);
  assert.deepEqual(exported.json.order_lookups.map((l) => l.outcome), ['found', 'not_found']);
  assert.deepEqual(exported.json.order_lookups[0].orders_shown, ['#1003']);
  // A verified user's lookups are in the admin export by user id.
  const v = await newSession(t, { identity: identityToken(t, shape.ada) });
  await chatFrom(v.json.token, 'Where is my order?', freshIp());
  const byUser = await admin(t, 'POST', `/v1/admin/tenants/${t.id}/privacy/export`, { user_id: shape.ada });
  assert.equal(byUser.status, 200);
  assert.deepEqual(byUser.json.order_lookups.map((l) => [l.mode, l.outcome]), [['verified', 'found']]);
  const erased = await shopper('POST', '/v1/privacy/erase', s.json.token, {});
  assert.equal(erased.status, 200);
  assert.deepEqual(await d1(`SELECT id FROM order_lookups WHERE tenant_id = '${t.id}' AND conversation_id = '${s.json.conversation_id}'`), []);
  const after = await d1(`SELECT detail_json FROM audit_log WHERE tenant_id = '${t.id}' AND action = 'order.lookup'`);
  assert.ok(after.every((a) => !a.detail_json.includes(s.json.conversation_id)), 'audit rows no longer name the erased conversation');
  assert.equal((await admin(t, 'POST', `/v1/admin/tenants/${t.id}/privacy/erase`, { user_id: shape.ada })).status, 200);
  assert.deepEqual(await d1(`SELECT id FROM order_lookups WHERE tenant_id = '${t.id}'`), []);
});

test('store-nothing mode stores no order data; redaction keeps the email from the model', async () => {
  const shape = SHAPES[1];
  const t = await orderTenant('ord-nothing', shape, { privacy: { store_transcripts: false, redact_pii_before_ai: true } });
  const s = await newSession(t);
  const tag = `sn${Date.now()}`;
  const r = await chatFrom(s.json.token, `Where is #2003? ${EMAILS.ben} ${tag}`, freshIp());
  assert.deepEqual(ordersOf(r.events).map((c) => c.number), ['#2003'], r.raw);
  const messages = await d1(`SELECT blocks_json FROM messages WHERE tenant_id = '${t.id}'`);
  assert.deepEqual(messages, [], 'no transcript, no order blocks');
  const rows = await d1(`SELECT outcome, shown_json FROM order_lookups WHERE tenant_id = '${t.id}'`);
  assert.deepEqual(rows, [{ outcome: 'found', shown_json: null }]);
  const fed = JSON.stringify(await upstreamRequestsWith(tag));
  assert.ok(!fed.includes(EMAILS.ben), 'the model never saw the email');
});

test('a tenant without an order source is not offered lookup_order', async () => {
  const t = await orderTenant('ord-none', null);
  const s = await newSession(t);
  const tag = `none${Date.now()}`;
  const r = await chatFrom(s.json.token, `Where is #1001? ${EMAILS.ada} ${tag}`, freshIp());
  assert.deepEqual(ordersOf(r.events), []);
  const [request] = await upstreamRequestsWith(tag);
  assert.ok(!(request.tools ?? []).some((tool) => tool.function.name === 'lookup_order'));
  assert.ok(!r.raw.includes('JD014600003828'));
});

/** The session token's payload (base64url JSON between the dots), as anyone holding it can read. */
const sessionPayload = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

for (const shape of SHAPES) {
  test(`a signed-in shopper's guest checkout opens by its number alone with the token's verified email; anonymous unchanged (${shape.name})`, async () => {
    const t = await orderTenant(`ord-vguest-${shape.name}`, shape);
    const mine = shape.number(guestNumber(shape, 'ada'));
    const bens = shape.number(guestNumber(shape, 'ben'));
    const ada = await newSession(t, { identity: identityToken(t, shape.ada, { email: ' Ada@Example.COM ', emailVerified: true }), ip: freshIp() });
    assert.equal(ada.status, 201, JSON.stringify(ada.json));
    // The session carries a 22-character keyed digest, never the address.
    const claims = sessionPayload(ada.json.token);
    assert.match(claims.ve, /^[A-Za-z0-9_-]{22}$/);
    assert.ok(!/ada|example/i.test(JSON.stringify(claims)), JSON.stringify(claims));
    assert.ok(ada.json.token.length < 400, `session token of ${ada.json.token.length} chars`);

    // The number alone: their guest checkout, with its parcel.
    const tag = `vg${Date.now()}${shape.name}`;
    const r = await chatFrom(ada.json.token, `Where is order ${mine}? ${tag}`, freshIp());
    assert.equal(r.events.at(-1).type, 'done', r.raw);
    const cards = ordersOf(r.events);
    assert.deepEqual(cards.map((c) => c.number), [mine], r.raw);
    assert.deepEqual(cards[0].parcels.map((p) => p.tracking_number), ['GLS88004411223']);
    const fed = JSON.stringify((await upstreamRequestsWith(tag)).flatMap((b) => b.messages).filter((m) => m.role === 'tool'));
    assert.match(fed, /GLS88004411223/);
    for (const leak of PRIVATE) assert.ok(!fed.includes(leak), `${leak} reached the model`);

    // No number: the account's orders only; a guest checkout is never listed by email.
    const list = await chatFrom(ada.json.token, 'Where is my order?', freshIp());
    assert.deepEqual(ordersOf(list.events).map((c) => c.number).sort(), [shape.number(shape.first), shape.number(shape.first + 1)]);

    // Another email's guest checkout, by number (and with that email typed): the one answer.
    for (const message of [`Where is order ${bens}?`, `Where is order ${bens}? ${EMAILS.ben}`]) {
      const other = await chatFrom(ada.json.token, message, freshIp());
      assert.equal(other.events.at(-1).type, 'done', other.raw);
      assert.deepEqual(ordersOf(other.events), [], message);
      assert.equal(textOf(other.events), NOT_FOUND, message);
      for (const secret of ['Okafor', 'Torstraße', '901820']) assert.ok(!other.raw.includes(secret), `${secret}: ${message}`);
    }

    // An email the shop did not vouch for (no flag, false, the string "true") opens nothing.
    for (const emailVerified of [undefined, false, 'true']) {
      const s = await newSession(t, { identity: identityToken(t, shape.ada, { email: EMAILS.ada, emailVerified }) });
      assert.equal(s.status, 201, JSON.stringify(s.json));
      assert.equal(sessionPayload(s.json.token).ve, undefined, `email_verified ${emailVerified}`);
      const refused = await chatFrom(s.json.token, `Where is order ${mine}?`, freshIp());
      assert.deepEqual(ordersOf(refused.events), [], `email_verified ${emailVerified}`);
      assert.equal(textOf(refused.events), NOT_FOUND, `email_verified ${emailVerified}`);
    }

    // Anonymous, unchanged: the number alone asks for the email; number + email opens it.
    const anon = await newSession(t);
    const ip = freshIp();
    const asked = await chatFrom(anon.json.token, `Where is order ${mine}?`, ip);
    assert.deepEqual(ordersOf(asked.events), []);
    assert.match(textOf(asked.events), /Ask the shopper for their order number and the email/);
    const guest = await chatFrom(anon.json.token, `Where is order ${mine}? ${EMAILS.ada}`, ip);
    assert.deepEqual(ordersOf(guest.events).map((c) => c.number), [mine]);

    // The lookups are recorded by keyed digest: the verified ones with the session's, never
    // the email in clear; the admin export by user has them, erase by user removes them.
    const rows = await d1(`SELECT * FROM order_lookups WHERE tenant_id = '${t.id}' AND user_id = '${shape.ada}' ORDER BY id`);
    assert.ok(rows.length >= 4);
    assert.ok(!JSON.stringify(rows).includes('example.com'));
    const byNumber = rows.filter((row) => row.number_digest);
    assert.ok(byNumber.every((row) => row.mode === 'verified'));
    assert.equal(byNumber[0].email_digest, claims.ve, 'the same keyed digest as a guest\'s typed email');
    assert.equal(byNumber[0].outcome, 'found');
    const anonRows = await d1(`SELECT email_digest FROM order_lookups WHERE tenant_id = '${t.id}' AND conversation_id = '${anon.json.conversation_id}' AND outcome = 'found'`);
    assert.equal(anonRows[0].email_digest, claims.ve, 'a typed email and a verified one have one digest');
    const exported = await admin(t, 'POST', `/v1/admin/tenants/${t.id}/privacy/export`, { user_id: shape.ada });
    assert.equal(exported.status, 200);
    assert.ok(exported.json.order_lookups.some((l) => l.mode === 'verified' && (l.orders_shown ?? []).includes(mine)));
    assert.equal((await admin(t, 'POST', `/v1/admin/tenants/${t.id}/privacy/erase`, { user_id: shape.ada })).status, 200);
    assert.deepEqual(await d1(`SELECT id FROM order_lookups WHERE tenant_id = '${t.id}' AND user_id = '${shape.ada}'`), []);
  });
}
