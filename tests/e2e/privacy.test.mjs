// Proves the tenant's privacy rules are enforced by the gateway in workerd (SPEC §6): PII is
// redacted before the AI runtime and/or before storage exactly as configured (visible in what
// the fake upstream received and in D1); store-nothing mode keeps only anonymous counters; the
// cron trigger purges conversations past the retention period and keeps newer ones; shoppers
// export and erase their own conversation; admins export and erase everything of a verified
// user; and each privacy operation is audited while erase leaves no row behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { chat, conversation, createTenantWithKeys, d1, eventually, session, upstreamRequestsFor } from './gateway.mjs';
import { adminSignature, identityToken } from './signing.mjs';

// Starts with a letter: a marker glued to a phone number must not look like its last digits.
const tag = () => `t${Math.random().toString(36).slice(2, 10)}`;
const PII = 'Schreiben Sie an jonas.weber@beispiel.de, Handy +49 151 23456789, Karte 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00.';
const LEAKS = ['jonas.weber@beispiel.de', '23456789', '4111 1111 1111 1111', 'DE89 3704'];
const rows = (table, tenant) => d1(`SELECT * FROM ${table} WHERE tenant_id = '${tenant}'`);
const post = (path, token, body = {}) => fetch(`${GATEWAY}${path}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: GATEWAY, authorization: `Bearer ${token}` },
  body: JSON.stringify(body),
}).then(async (r) => ({ status: r.status, body: await r.json() }));
const adminPost = (t, path, body) => {
  const json = JSON.stringify(body);
  return fetch(`${GATEWAY}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json',
      'shopkeep-signature': adminSignature(t.admin.secret_hex, { method: 'POST', pathAndQuery: path, body: json }) },
    body: json,
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
};

test('PII is redacted before the AI runtime but stored as written, by default', async () => {
  const t = await createTenantWithKeys('priv-ai');
  const { token } = await session(t.id);
  const marker = tag();
  await chat(token, `${PII} ${marker}`);
  const [sent] = await upstreamRequestsFor(marker);
  const toModel = sent.messages.at(-1).content;
  for (const leak of LEAKS) assert.ok(!toModel.includes(leak), `${leak} reached the model: ${toModel}`);
  assert.match(toModel, /\[email\].*\[phone\].*\[card\].*\[iban\]/);
  const stored = (await conversation(token)).messages[0].text;
  assert.ok(stored.includes('jonas.weber@beispiel.de'), 'storage keeps the original when only AI redaction is on');
});

test('PII is redacted before storage when configured', async () => {
  const t = await createTenantWithKeys('priv-store', { privacy: { redact_pii_before_storage: true, redact_pii_before_ai: false } });
  const { token } = await session(t.id);
  const marker = tag();
  await chat(token, `Mi correo es maría.lópez@ejemplo.es y mi teléfono +34 612 34 56 78 ${marker}`);
  const [sent] = await upstreamRequestsFor(marker);
  assert.ok(sent.messages.at(-1).content.includes('maría.lópez@ejemplo.es'), 'the model gets the original');
  const stored = await rows('messages', t.id);
  for (const message of stored) {
    assert.ok(!message.text.includes('maría.lópez@ejemplo.es') && !message.text.includes('612 34 56 78'), message.text);
  }
  assert.ok(stored.some((m) => m.role === 'user' && m.text.includes('[email]') && m.text.includes('[phone]')));
});

test('store-nothing mode keeps only anonymous counters', async () => {
  const t = await createTenantWithKeys('priv-none', { privacy: { store_transcripts: false } });
  const { token } = await session(t.id);
  const first = await chat(token, 'first question');
  assert.equal(first.events.at(-1).type, 'done');
  const second = await chat(token, `second question ${tag()}`);
  assert.equal(second.events.at(-1).type, 'done');
  assert.deepEqual((await conversation(token)).messages, []);
  assert.equal((await rows('messages', t.id)).length, 0);
  assert.equal((await rows('conversations', t.id)).length, 0);
  const usage = await eventually(async () => {
    const found = await rows('usage_events', t.id);
    return found.length === 2 ? found : null;
  }, 10_000, 'two usage rows');
  assert.ok(usage.every((u) => u.conversation_id === '-'), 'counters carry no conversation');
  // No history either: the model saw only the new question.
  const body = (await upstreamRequestsFor('second question')).at(-1);
  assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user']);
  // The public config tells the widget transcripts are not stored.
  const config = await (await fetch(`${GATEWAY}/v1/tenants/${t.id}/config`)).json();
  assert.equal(config.privacy.stores_transcripts, false);
});

test('the cron trigger purges conversations past the retention period and keeps newer ones', async () => {
  const t = await createTenantWithKeys('priv-ret', { privacy: { retention_days: 1 } });
  const old = await session(t.id);
  const fresh = await session(t.id);
  const answered = await chat(old.token, 'an old conversation');
  await chat(fresh.token, 'a new conversation');
  await post(`/v1/messages/${answered.events.at(-1).message_id}/feedback`, old.token, { rating: 'up' });
  const twoDaysAgo = Date.now() - 2 * 86_400_000;
  await d1(`UPDATE conversations SET updated_at_ms = ${twoDaysAgo} WHERE id = '${old.conversation_id}'`);
  const response = await fetch(`${GATEWAY}/__scheduled?cron=17+3+*+*+*`);
  assert.equal(response.status, 200);
  await eventually(async () => (await rows('conversations', t.id)).length === 1, 10_000, 'the purge');
  for (const table of ['messages', 'feedback', 'usage_events']) {
    const left = await d1(`SELECT COUNT(*) AS n FROM ${table} WHERE conversation_id = '${old.conversation_id}'`);
    assert.equal(left[0].n, 0, `${table} rows of the purged conversation`);
  }
  assert.equal((await conversation(fresh.token)).messages.length, 2, 'the newer conversation stays');
  const audit = await d1(`SELECT actor, action FROM audit_log WHERE tenant_id = '${t.id}' AND action = 'privacy.erase'`);
  assert.deepEqual(audit, [{ actor: 'retention', action: 'privacy.erase' }]);
});

test('a shopper exports and erases their own conversation, and erase leaves no row behind', async () => {
  const t = await createTenantWithKeys('priv-shop');
  const s = await session(t.id);
  const r = await chat(s.token, 'export me');
  await post(`/v1/messages/${r.events.at(-1).message_id}/feedback`, s.token, { rating: 'down', comment: 'meh' });
  const exported = await post('/v1/privacy/export', s.token);
  assert.equal(exported.status, 200);
  assert.equal(exported.body.conversation_id, s.conversation_id);
  assert.deepEqual(exported.body.messages.map((m) => m.role), ['user', 'assistant']);
  assert.equal(exported.body.messages[0].text, 'export me');
  const erased = await post('/v1/privacy/erase', s.token);
  assert.equal(erased.status, 200);
  assert.deepEqual(erased.body.erased, { conversations: 1, messages: 2, feedback: 1 });
  for (const table of ['conversations', 'messages', 'feedback', 'usage_events']) {
    assert.equal((await rows(table, t.id)).length, 0, `${table} after erase`);
  }
  const audit = await d1(`SELECT action FROM audit_log WHERE tenant_id = '${t.id}' AND action LIKE 'privacy.%' ORDER BY id`);
  assert.deepEqual(audit.map((a) => a.action), ['privacy.export', 'privacy.erase']);
  // The token still works and starts afresh.
  assert.equal((await chat(s.token, 'hello again')).status, 200);
});

test('an admin exports and erases everything of a verified user', async () => {
  const t = await createTenantWithKeys('priv-user');
  const idToken = identityToken(t.identity.secret_hex, { sub: 'cust_7', exp: Math.floor(Date.now() / 1000) + 600 });
  const s = await fetch(`${GATEWAY}/v1/sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: GATEWAY },
    body: JSON.stringify({ tenant_id: t.id, identity_token: idToken }),
  }).then((r) => r.json());
  await chat(s.token, 'my order');
  const bystander = await session(t.id);
  await chat(bystander.token, 'someone else');
  const exported = await adminPost(t, `/v1/admin/tenants/${t.id}/privacy/export`, { user_id: 'cust_7' });
  assert.equal(exported.status, 200);
  assert.equal(exported.body.conversations.length, 1);
  assert.equal(exported.body.conversations[0].messages[0].text, 'my order');
  const erased = await adminPost(t, `/v1/admin/tenants/${t.id}/privacy/erase`, { user_id: 'cust_7' });
  assert.deepEqual(erased.body.erased, { conversations: 1, messages: 2, feedback: 0 });
  const left = await d1(`SELECT COUNT(*) AS n FROM conversations WHERE tenant_id = '${t.id}' AND user_id = 'cust_7'`);
  assert.equal(left[0].n, 0);
  assert.equal((await conversation(bystander.token)).messages.length, 2, 'other shoppers keep their data');
  const audit = await d1(`SELECT actor, action FROM audit_log WHERE tenant_id = '${t.id}' AND action LIKE 'privacy.%' ORDER BY id`);
  assert.deepEqual(audit, [{ actor: 'admin:a1', action: 'privacy.export' }, { actor: 'admin:a1', action: 'privacy.erase' }]);
});
