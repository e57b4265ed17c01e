// Impersonation and enumeration against "where is my order?" (issue 13), in workerd against
// the fake shop's Shopify Admin and WooCommerce order APIs: a table of attempts — wrong and
// near-miss emails, other customers' numbers, sequential numbers, case/whitespace/unicode
// games, SQL-ish and wildcard strings, another customer's identity token, forged, expired and
// other tenants' tokens — each of which gets nothing of the target order (no number, item,
// tracking number, address or phone anywhere in the stream or the stored conversation) and the
// one identical not-found answer; then the verification limit per session and per IP, after
// which even the right details get nothing and the tenant's rule hands the conversation to a
// person. A signed-in shopper's verified email (identity token `email_verified: true`) opens
// only their own guest checkout by its number: never another email's, an account's, one whose
// email the shop did not vouch for, and its tries count against the same limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenantWithKeys } from './gateway.mjs';
import { putConfig, shopper } from './handoff-helpers.mjs';
import {
  EMAILS, NOT_FOUND, SHAPES, chatFrom, guestNumber, identityToken, newSession, orderTenant, ordersOf, secretsOf,
  textOf,
} from './orders-helpers.mjs';

let net = 0;
/** A fresh client network per attempt: the per-IP limit is tested on its own below. */
const freshIp = () => { net += 1; return `10.${90 + Math.floor(net / 250)}.${net % 250}.7`; };

/** The guest attempts at Ada's order (`n` = its number in the shape) — none may see it. */
const guestAttempts = (shape) => {
  const n = shape.first; // Ada's partially shipped order
  const other = shape.first + 2; // Ben's
  return [
    ['wrong email', `Where is #${n}? ${EMAILS.ben}`],
    ['another fixture email', `Where is #${n}? ${EMAILS.dan}`],
    ['near-miss domain', `Where is #${n}? ada@example.co`],
    ['longer domain', `Where is #${n}? ada@example.com.evil.test`],
    ['plus address', `Where is #${n}? ada+orders@example.com`],
    ['dot inserted', `Where is #${n}? a.da@example.com`],
    ['cyrillic a in the domain', `Where is #${n}? ada@exаmple.com`],
    ['cyrillic a in the local part', `Where is #${n}? аda@example.com`],
    ['zero-width space', `Where is #${n}? ada\u200b@example.com`],
    ['fullwidth at sign with another name', `Where is #${n}? eve＠example.com`],
    ['SQL-ish email', `Where is #${n}? 'ada@example.com'--`],
    ['SQL or-true in the email', `Where is #${n}? x@x'OR'1'='1`],
    ['wildcard local part', `Where is #${n}? %@example.com`],
    ['star local part', `Where is #${n}? *@example.com`],
    ['regex email', `Where is #${n}? .*@.*`],
    ['quoted email', `Where is #${n}? "ada@example.com"`],
    ['angle email', `Where is #${n}? <ada@example.com>`],
    ['the shop owner', `Where is #${n}? owner@example.com`],
    ['right email, previous number', `Where is #${n - 1}? ${EMAILS.ada}`],
    ['right email, Ben\'s number', `Where is #${other}? ${EMAILS.ada}`],
    ['right email, cancelled order of Ben', `Where is #${n + 3}? ${EMAILS.ada}`],
    ['right email, refunded order of Chloé', `Where is #${n + 4}? ${EMAILS.ada}`],
    ['right email, Dan\'s order', `Where is #${n + 5}? ${EMAILS.ada}`],
    ['right email, past the last order', `Where is #${n + 6}? ${EMAILS.ada}`],
    ['right email, far number', `Where is #${n + 1000}? ${EMAILS.ada}`],
    ['leading zero', `Where is #0${n}? ${EMAILS.ben}`],
    ['number with a suffix', `Where is #${n}0? ${EMAILS.ada}`],
    ['prefix of the number', `Where is #${String(n).slice(0, 3)}? ${EMAILS.ada}`],
    ['number with letters', `Where is #${n}abc? ${EMAILS.ben}`],
    ['SQL-ish number', `Where is #${n}'--? ${EMAILS.ben}`],
    ['SQL union number', `Where is #1'UNION'SELECT? ${EMAILS.ada}`],
    ['wildcard number', `Where is #%? ${EMAILS.ada}`],
    ['name as the number', `Where is #ada? ${EMAILS.ada}`],
    ['email as the number', `Where is #ada@example.com? ${EMAILS.ada}`],
    ['fullwidth digits, wrong email', `Where is #１００１? ${EMAILS.ben}`],
    ['Ben\'s own number, Ada\'s upper-case email', `Where is #${other}? ADA@EXAMPLE.COM`],
    ['spaced email', `Where is #${n}? ada @example.com`],
    ['Ben\'s email, Ada\'s second order', `Where is #${n + 1}? ${EMAILS.ben}`],
    ['Chloé\'s email, Ada\'s order', `Where is #${n}? ${EMAILS.chloe}`],
    ['path traversal number', `Where is #../../orders? ${EMAILS.ada}`],
    ['query injection number', `Where is #${n}&email=${EMAILS.ada}? ${EMAILS.ben}`],
    ['customer id injection', `Where is #${n}&customer_id=${shape.ada}? ${EMAILS.ben}`],
  ];
};

/** What each attempt is checked against: Ada's orders' secrets. */
async function secrets(shape) {
  const all = new Set();
  for (const n of [shape.first, shape.first + 1]) for (const s of await secretsOf(shape, n)) all.add(s);
  all.add(EMAILS.ada);
  return [...all];
}

function assertNothing(r, secretList, what, { exact = true } = {}) {
  assert.equal(r.status, 200, `${what}: ${r.raw}`);
  assert.equal(r.events.at(-1).type, 'done', `${what}: ${r.raw}`);
  assert.deepEqual(ordersOf(r.events), [], `${what}: an order card`);
  if (exact) assert.equal(textOf(r.events), NOT_FOUND, `${what}: the one answer`);
  for (const secret of secretList) assert.ok(!visible(r).includes(secret), `${what}: ${secret} in the stream`);
}

/** Everything the stream shows (token counts aside: a count may equal an order number). */
const visible = (r) => JSON.stringify(r.events.map(({ usage, ...rest }) => rest));

async function assertNothingStored(token, secretList, what, { ownOrders = false } = {}) {
  const history = await shopper('GET', '/v1/conversation', token);
  assert.equal(history.status, 200);
  for (const m of history.json.messages.filter((x) => x.role === 'assistant')) {
    if (!ownOrders) assert.ok(!m.blocks?.some((b) => b.kind === 'order'), `${what}: a stored order block`);
    // What the message shows (ids and timestamps aside: a timestamp may contain "1001").
    const shown = JSON.stringify([m.text, m.blocks ?? []]);
    for (const secret of secretList) assert.ok(!shown.includes(secret), `${what}: ${secret} stored`);
  }
}

for (const shape of SHAPES) {
  test(`guest impersonation and enumeration get nothing and the same answer (${shape.name})`, async () => {
    const t = await orderTenant(`ord-hostile-${shape.name}`, shape);
    const secretList = await secrets(shape);
    const attempts = guestAttempts(shape);
    assert.ok(attempts.length >= 40);
    for (const [what, message] of attempts) {
      const s = await newSession(t, { ip: freshIp() });
      assert.equal(s.status, 201);
      const r = await chatFrom(s.json.token, message, freshIp());
      // A malformed number or email never reaches the shop: the assistant asks for both
      // (still nothing of the order); everything else is the one not-found answer.
      assertNothing(r, secretList, what, { exact: false });
      const text = textOf(r.events);
      assert.ok(text === NOT_FOUND || /Ask the shopper for their order number/.test(text), `${what}: ${text}`);
      await assertNothingStored(s.json.token, secretList, what);
    }
  });

  test(`another customer's identity, forged or expired tokens get nothing of Ada's orders (${shape.name})`, async () => {
    const t = await orderTenant(`ord-id-${shape.name}`, shape);
    const other = await createTenantWithKeys('ord-id-other');
    const secretList = await secrets(shape);
    // Ben, verified, asks for Ada's orders by number, and for "my order": only his own.
    const ben = await newSession(t, { identity: identityToken(t, shape.ben) });
    assert.equal(ben.status, 201);
    for (const [what, message] of [
      ['Ben names Ada\'s order', `Where is #${shape.first}?`],
      ['Ben names Ada\'s order and email', `Where is #${shape.first}? ${EMAILS.ada}`],
      ['Ben names Ada\'s second order', `Where is #${shape.first + 1}?`],
    ]) {
      const r = await chatFrom(ben.json.token, message, freshIp());
      assertNothing(r, secretList, what);
    }
    const mine = await chatFrom(ben.json.token, 'Where is my order?', freshIp());
    assert.deepEqual(ordersOf(mine.events).map((o) => o.number).sort(), [`#${shape.first + 2}`, `#${shape.first + 3}`]);
    const adaTracking = ['JD014600003828', '1Z999AA10123456784', `#${shape.first}`, `#${shape.first + 1}`, 'Analytical', '7946'];
    for (const secret of adaTracking) assert.ok(!visible(mine).includes(secret), `Ben's own orders carry ${secret}`);
    await assertNothingStored(ben.json.token, adaTracking, 'Ben', { ownOrders: true });
    // Tokens that must not verify: no session, so no lookup at all.
    const [h, p] = identityToken(t, shape.ada).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: shape.ada, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    const benToken = identityToken(t, shape.ben).split('.');
    for (const [what, token] of [
      ['expired token', identityToken(t, shape.ada, { exp: Math.floor(Date.now() / 1000) - 3600 })],
      ['another tenant\'s key', identityToken(t, shape.ada, { key: other.identity })],
      ['Ben\'s signature on Ada\'s claims', `${h}.${p}.${benToken[2]}`],
      ['Ada\'s claims with Ben\'s header and signature', `${benToken[0]}.${forgedPayload}.${benToken[2]}`],
      ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${forgedPayload}.`],
      ['signature cut', `${h}.${p}`],
    ]) {
      const s = await newSession(t, { identity: token });
      assert.notEqual(s.status, 201, `${what} verified`);
      assert.ok(!JSON.stringify(s.json).includes(shape.first), what);
    }
    // Ada's token replayed on another tenant (without the source) verifies nothing there.
    const replayed = await newSession(other, { identity: identityToken(t, shape.ada) });
    assert.notEqual(replayed.status, 201, 'a token of one shop on another shop');
  });
}

test('the verification limit per session and per IP: then even the right details get nothing, and a person is offered', async () => {
  const shape = SHAPES[0];
  const t = await orderTenant('ord-limit', shape);
  await putConfig(t, (c) => { c.handoff = { ...(c.handoff ?? {}), rules: { ...(c.handoff?.rules ?? {}), on_verification_limit: true } }; });
  const secretList = await secrets(shape);
  const right = `Where is #${shape.first}? ${EMAILS.ada}`;
  // Per session: five wrong emails from five networks, then the right one from a sixth.
  const s = await newSession(t);
  for (let i = 0; i < 5; i += 1) {
    const r = await chatFrom(s.json.token, `Where is #${shape.first}? guess${i}@example.com`, freshIp());
    assertNothing(r, secretList, `session attempt ${i + 1}`);
  }
  const limited = await chatFrom(s.json.token, right, freshIp());
  assertNothing(limited, secretList, 'the right details past the session limit', { exact: false });
  assert.match(textOf(limited.events), /Too many attempts/);
  const handoff = limited.raw.includes('event: handoff') || limited.events.some((e) => e.type === 'handoff');
  assert.ok(handoff, 'the rule handed the conversation to a person');
  await assertNothingStored(s.json.token, secretList, 'limited session');
  // Per IP: five wrong guesses from five sessions on one network, then a fresh session there.
  const t2 = await orderTenant('ord-limit-ip', shape);
  const ip = freshIp();
  for (let i = 0; i < 5; i += 1) {
    const si = await newSession(t2, { ip });
    const r = await chatFrom(si.json.token, `Where is #${shape.first + i}? eve@example.com`, ip);
    assertNothing(r, secretList, `IP attempt ${i + 1}`);
  }
  const fresh = await newSession(t2, { ip });
  const blocked = await chatFrom(fresh.json.token, right, ip);
  assertNothing(blocked, secretList, 'the right details past the IP limit', { exact: false });
  assert.match(textOf(blocked.events), /Too many attempts/);
  // Another network and session still works: the limit is not a global lockout.
  const elsewhere = await newSession(t2);
  const ok = await chatFrom(elsewhere.json.token, right, freshIp());
  assert.deepEqual(ordersOf(ok.events).map((o) => o.number), [`#${shape.first}`]);
  // A verified shopper is not limited by the guests' failures on their network.
  const ada = await newSession(t2, { identity: identityToken(t2, shape.ada), ip });
  const own = await chatFrom(ada.json.token, 'Where is my order?', ip);
  assert.equal(ordersOf(own.events).length, 2);
});

test('concurrent guesses from one network cannot pass the limit together', async () => {
  const shape = SHAPES[1];
  const t = await orderTenant('ord-burst', shape);
  const secretList = await secrets(shape);
  const ip = freshIp();
  const sessions = await Promise.all(Array.from({ length: 10 }, () => newSession(t, { ip })));
  const results = await Promise.all(sessions.map((s, i) => chatFrom(s.json.token, `Where is #${shape.first}? burst${i}@example.com`, ip)));
  results.forEach((r, i) => assertNothing(r, secretList, `burst ${i}`, { exact: false }));
  const { d1 } = await import('./gateway.mjs');
  const outcomes = (await d1(`SELECT outcome FROM order_lookups WHERE tenant_id = '${t.id}'`)).map((o) => o.outcome).sort();
  assert.deepEqual(outcomes, [...Array(5).fill('limited'), ...Array(5).fill('not_found')]);
});

for (const shape of SHAPES) {
  test(`a verified email opens no one else's guest checkout and no account's order (${shape.name})`, async () => {
    const t = await orderTenant(`ord-vemail-${shape.name}`, shape);
    const adasGuest = guestNumber(shape, 'ada');
    const bensGuest = guestNumber(shape, 'ben');
    const adaSecrets = [...new Set([...(await secrets(shape)), ...(await secretsOf(shape, adasGuest))])];
    const benSecrets = (await secretsOf(shape, bensGuest)).filter((x) => !adaSecrets.includes(x)).concat(['Torstraße', '901820']);
    // Ada, verified with her email, at Ben's guest checkout and Ben's account orders.
    const ada = await newSession(t, { identity: identityToken(t, shape.ada, { email: EMAILS.ada, emailVerified: true }) });
    for (const [what, message] of [
      ['Ben\'s guest checkout', `Where is #${bensGuest}?`],
      ['Ben\'s guest checkout with his email typed', `Where is #${bensGuest}? ${EMAILS.ben}`],
      ['Ben\'s account order', `Where is #${shape.first + 2}?`],
      ['Dan\'s account order', `Where is #${shape.first + 5}?`],
    ]) {
      const r = await chatFrom(ada.json.token, message, freshIp());
      assertNothing(r, benSecrets, `Ada: ${what}`);
    }
    // Ben, verified with his own email, and a shopper whose token names Ada's email without
    // the shop vouching for it, at Ada's guest checkout; Chloé verified, by Ada's number only.
    const attempts = [
      ['Ben verified', identityToken(t, shape.ben, { email: EMAILS.ben, emailVerified: true })],
      ['Ada\'s email not vouched for', identityToken(t, shape.ben, { email: EMAILS.ada })],
      ['Ada\'s email, email_verified "true"', identityToken(t, shape.ben, { email: EMAILS.ada, emailVerified: 'true' })],
      ['Ada\'s email, email_verified 1', identityToken(t, shape.ben, { email: EMAILS.ada, emailVerified: 1 })],
      ['Chloé verified', identityToken(t, shape.name === 'shopify' ? '7003' : '13', { email: EMAILS.chloe, emailVerified: true })],
    ];
    for (const [what, identity] of attempts) {
      const s = await newSession(t, { identity });
      assert.equal(s.status, 201, `${what}: ${JSON.stringify(s.json)}`);
      for (const message of [`Where is #${adasGuest}?`, `Where is my order #${adasGuest}?`]) {
        const r = await chatFrom(s.json.token, message, freshIp());
        assertNothing(r, adaSecrets.filter((x) => x !== EMAILS.ada && !x.startsWith('#100')), `${what}: ${message}`);
      }
      await assertNothingStored(s.json.token, [`#${adasGuest}`, 'GLS88004411223'], what, { ownOrders: true });
    }
  });
}

test('a verified shopper\'s guest-checkout tries count against the verification limit', async () => {
  const shape = SHAPES[0];
  const t = await orderTenant('ord-vlimit', shape);
  // Without the rule's handoff, so that the assistant still answers after the limit.
  await putConfig(t, (c) => { c.handoff = { ...(c.handoff ?? {}), rules: { ...(c.handoff?.rules ?? {}), on_verification_limit: false } }; });
  const mine = guestNumber(shape, 'ada');
  const ada = await newSession(t, { identity: identityToken(t, shape.ada, { email: EMAILS.ada, emailVerified: true }) });
  const misses = [guestNumber(shape, 'ben'), shape.first + 2, shape.first + 3, shape.first + 4, 1999];
  for (const n of misses) {
    const r = await chatFrom(ada.json.token, `Where is #${n}?`, freshIp());
    assert.equal(textOf(r.events), NOT_FOUND, `#${n}`);
  }
  const limited = await chatFrom(ada.json.token, `Where is #${mine}?`, freshIp());
  assert.deepEqual(ordersOf(limited.events), []);
  assert.match(textOf(limited.events), /Too many attempts/);
  // Her account's orders open by her account, limit or not.
  const own = await chatFrom(ada.json.token, `Where is #${shape.first}?`, freshIp());
  assert.deepEqual(ordersOf(own.events).map((o) => o.number), [`#${shape.first}`]);
  const { d1 } = await import('./gateway.mjs');
  const outcomes = (await d1(`SELECT outcome FROM order_lookups WHERE tenant_id = '${t.id}' ORDER BY id`)).map((o) => o.outcome);
  assert.deepEqual(outcomes, [...Array(5).fill('not_found'), 'limited', 'found']);
});
