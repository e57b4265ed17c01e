// Proves tenant isolation and turn integrity in workerd (issue 10, items 1, 2, 3, 8, 11):
// session key material never leaves the gateway; a token signed with one tenant's key that
// names another tenant's conversation reads and writes nothing of it; a retired session key,
// an origin no longer allowed and a later identity requirement are refused on every token
// route; a chat turn is idempotent on its client message id (a completed turn is replayed
// from storage without calling the model, an in-flight one answers 409, other text under the
// same id answers 409); an answer that finishes after an erase leaves no orphan; retention
// deletes rows by their own age and erase scrubs audit references; and the admin list's
// cursor never skips conversations that share a timestamp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { chat, conversation, createTenantWithKeys, d1, eventually, messageId, parseEvents, session, upstreamRequestsFor } from './gateway.mjs';
import { adminSignature, sessionToken } from './signing.mjs';

const MASTER = process.env.SHOPKEEP_MASTER_SECRET;
const tag = () => `t${Math.random().toString(36).slice(2, 10)}`;
const payloadOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');

async function call(method, path, token, body) {
  const headers = { origin: GATEWAY };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* a stream */ }
  return { status: response.status, json, text };
}

async function admin(t, method, path, body) {
  const json = body === undefined ? '' : JSON.stringify(body);
  const headers = { 'shopkeep-signature': adminSignature(t.admin.secret_hex, { method, pathAndQuery: path, body: json }) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}${path}`, { method, headers, body: body === undefined ? undefined : json });
  return { status: response.status, json: await response.json() };
}

async function putConfig(t, change) {
  const current = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/config`);
  assert.equal(current.status, 200);
  const config = current.json.config;
  change(config);
  const saved = await admin(t, 'PUT', `/v1/admin/tenants/${t.id}/config`, config);
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
}

/**
 * Starts a chat turn and reads its stream up to the first delta; `rest()` reads it to the end
 * and returns all the text read.
 */
async function streamUntilFirstDelta(token, message, clientMessageId) {
  const response = await fetch(`${GATEWAY}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY, authorization: `Bearer ${token}` },
    body: JSON.stringify({ message, client_message_id: clientMessageId }),
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('event: delta')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended before its first delta');
    text += decoder.decode(value, { stream: true });
  }
  return {
    async rest() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

/** Every route that carries a session token, as one call each. */
const tokenRoutes = (token, answerId = 'm_nosuchanswer1') => ({
  chat: () => call('POST', '/v1/chat', token, { message: 'hello', client_message_id: messageId() }),
  history: () => call('GET', '/v1/conversation', token),
  consent: () => call('POST', '/v1/consent', token, { accepted: true }),
  feedback: () => call('POST', `/v1/messages/${answerId}/feedback`, token, { rating: 'up' }),
  export: () => call('POST', '/v1/privacy/export', token, {}),
  erase: () => call('POST', '/v1/privacy/erase', token, {}),
});

const snapshot = async (tenantId) => JSON.stringify(await Promise.all([
  d1(`SELECT * FROM conversations WHERE tenant_id = '${tenantId}' ORDER BY id`),
  d1(`SELECT * FROM messages WHERE tenant_id = '${tenantId}' ORDER BY id`),
  d1(`SELECT * FROM feedback WHERE tenant_id = '${tenantId}' ORDER BY message_id`),
]));

test('session_key_secret_leaks: rotating the session key never returns key material', async () => {
  const t = await createTenantWithKeys('iso-rot');
  const rotated = await admin(t, 'POST', `/v1/admin/tenants/${t.id}/keys/rotate`, { purpose: 'session', grace_seconds: 60 });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  assert.ok(rotated.json.new_kid, 'the new kid is named');
  assert.ok(!JSON.stringify(rotated.json).includes('secret'), `session key material returned: ${JSON.stringify(rotated.json)}`);
  for (const key of rotated.json.keys) assert.equal(key.purpose, 'session');
});

test('cross_tenant_conversation_id: a token of tenant A naming B\'s conversation reads and writes nothing of B', async () => {
  const a = await createTenantWithKeys('iso-a');
  const b = await createTenantWithKeys('iso-b');
  const victim = await session(b.id);
  const secret = `victim secret ${tag()}`;
  const answered = await chat(victim.token, secret);
  assert.equal(answered.events.at(-1).type, 'done');
  const answerId = answered.events.at(-1).message_id;
  const before = await snapshot(b.id);
  // Signed with A's real session key (as a tenant admin who held it could), naming B's conversation.
  const forged = sessionToken(MASTER, {
    tenant_id: a.id, session_id: 's_attacker0001', conversation_id: victim.conversation_id, origin: GATEWAY,
    issued_at_ms: Date.now(), expires_at_ms: Date.now() + 600_000,
  });
  const routes = tokenRoutes(forged, answerId);
  const history = await routes.history();
  assert.ok(!history.text.includes(secret), `B's message was read: ${history.text}`);
  const chatted = await routes.chat();
  assert.ok(!chatted.text.includes(secret), 'B\'s history reached the answer');
  const rated = await routes.feedback();
  assert.equal(rated.status, 404, 'feedback on B\'s answer');
  const exported = await routes.export();
  assert.ok(!exported.text.includes(secret), `B's message was exported: ${exported.text}`);
  await routes.erase();
  assert.equal(await snapshot(b.id), before, 'B\'s rows changed');
  assert.ok((await conversation(victim.token)).messages.some((m) => m.text === secret), 'B still reads its conversation');
  const writtenUnderB = await d1(`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '${victim.conversation_id}' AND tenant_id <> '${b.id}'`);
  assert.equal(writtenUnderB[0].n, 0, 'rows written into B\'s conversation id under another tenant');
});

test('retired_session_kid_accepted: after a rotation with no grace, the old token is refused on every route', async () => {
  const t = await createTenantWithKeys('iso-kid');
  const old = await session(t.id);
  const answered = await chat(old.token, 'before the rotation');
  const answerId = answered.events.at(-1).message_id;
  const rotated = await admin(t, 'POST', `/v1/admin/tenants/${t.id}/keys/rotate`, { purpose: 'session', grace_seconds: 0 });
  assert.equal(rotated.status, 200);
  await new Promise((r) => setTimeout(r, 2100)); // past the isolate's tenant cache
  for (const [name, run] of Object.entries(tokenRoutes(old.token, answerId))) {
    const r = await run();
    assert.equal(r.status, 401, `${name} accepted a retired kid: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.json?.error?.code, 'unauthorized', name);
  }
  const fresh = await session(t.id);
  assert.equal(payloadOf(fresh.token).kid, rotated.json.new_kid, 'new sessions use the new key');
  assert.equal((await chat(fresh.token, 'after the rotation')).events.at(-1).type, 'done');
});

test('identity_required_ignored: a later identity requirement refuses anonymous tokens on every route', async () => {
  const t = await createTenantWithKeys('iso-idr');
  const anon = await session(t.id);
  await chat(anon.token, 'anonymous question');
  await putConfig(t, (c) => { c.privacy.identity_required = true; });
  await new Promise((r) => setTimeout(r, 2100));
  for (const [name, run] of Object.entries(tokenRoutes(anon.token))) {
    const r = await run();
    assert.equal(r.status, 401, `${name}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.json?.error?.code, 'identity_required', name);
  }
});

test('origin_no_longer_allowed: removing the site from allowed_origins refuses its tokens on every route', async () => {
  const t = await createTenantWithKeys('iso-org');
  const s = await session(t.id);
  await putConfig(t, (c) => { c.allowed_origins = ['https://shop.example']; });
  await new Promise((r) => setTimeout(r, 2100));
  for (const [name, run] of Object.entries(tokenRoutes(s.token))) {
    const r = await run();
    assert.equal(r.status, 403, `${name}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.json?.error?.code, 'origin_not_allowed', name);
  }
});

test('resend_answered_twice: a resend of a completed turn replays the stored answer without calling the model', async () => {
  const t = await createTenantWithKeys('iso-idem');
  const s = await session(t.id);
  const id = messageId();
  const question = `replay me ${tag()}`;
  const first = await chat(s.token, question, { clientMessageId: id });
  assert.equal(first.events.at(-1).type, 'done');
  const second = await chat(s.token, question, { clientMessageId: id });
  assert.equal(second.status, 200);
  assert.equal(second.events[0].type, 'start');
  assert.equal(second.events[0].user_message_id, first.events[0].user_message_id);
  assert.equal(second.events[0].message_id, first.events[0].message_id, 'the same answer');
  assert.equal(textOf(second.events), textOf(first.events));
  assert.equal(second.events.at(-1).type, 'done');
  assert.equal((await upstreamRequestsFor(question)).length, 1, 'the model was asked once');
  const usage = await d1(`SELECT COUNT(*) AS n FROM usage_events WHERE tenant_id = '${t.id}'`);
  assert.equal(usage[0].n, 1, 'one usage row');
  const stored = (await conversation(s.token)).messages;
  assert.deepEqual(stored.map((m) => m.role), ['user', 'assistant']);
});

test('resend_with_other_text: the same client message id with different text is a 409', async () => {
  const t = await createTenantWithKeys('iso-idem2');
  const s = await session(t.id);
  const id = messageId();
  await chat(s.token, `original text ${tag()}`, { clientMessageId: id });
  const other = `other text ${tag()}`;
  const r = await chat(s.token, other, { clientMessageId: id });
  assert.equal(r.status, 409, JSON.stringify(r.body ?? r.events));
  assert.equal(r.body.error.code, 'message_id_reused');
  assert.equal((await upstreamRequestsFor(other)).length, 0, 'the other text reached the model');
});

test('resend_in_flight: a resend while the answer is still streaming is a 409 and the answer completes once', async () => {
  const t = await createTenantWithKeys('iso-idem3');
  const s = await session(t.id);
  const id = messageId();
  const question = `in flight ${'word '.repeat(40)}${tag()}`;
  const stream = await streamUntilFirstDelta(s.token, question, id);
  const resent = await chat(s.token, question, { clientMessageId: id });
  assert.equal(resent.status, 409, JSON.stringify(resent.body ?? resent.events));
  assert.equal(resent.body.error.code, 'turn_in_progress');
  assert.equal(resent.body.error.retryable, true);
  const text = await stream.rest();
  assert.equal(parseEvents(text).at(-1).type, 'done');
  assert.equal((await upstreamRequestsFor(question)).length, 1, 'the model was asked once');
});

test('erase_race_orphan: an answer that finishes after an erase leaves no row behind', async () => {
  const t = await createTenantWithKeys('iso-erase');
  const s = await session(t.id);
  const question = `erase while answering ${'word '.repeat(40)}${tag()}`;
  const stream = await streamUntilFirstDelta(s.token, question, messageId());
  const erased = await call('POST', '/v1/privacy/erase', s.token, {});
  assert.equal(erased.status, 200);
  await stream.rest();
  await new Promise((r) => setTimeout(r, 500));
  for (const table of ['messages', 'feedback', 'usage_events']) {
    const left = await d1(`SELECT COUNT(*) AS n FROM ${table} WHERE conversation_id = '${s.conversation_id}'`);
    assert.equal(left[0].n, 0, `${table} rows of the erased conversation`);
  }
  const convs = await d1(`SELECT COUNT(*) AS n FROM conversations WHERE id = '${s.conversation_id}'`);
  assert.equal(convs[0].n, 0, 'the conversation came back');
});

test('retention_by_conversation_age: old messages, feedback, usage and audit rows go by their own age', async () => {
  const t = await createTenantWithKeys('iso-ret', { privacy: { retention_days: 1 } });
  const s = await session(t.id);
  const old = await chat(s.token, `an old question ${tag()}`);
  await call('POST', `/v1/messages/${old.events.at(-1).message_id}/feedback`, s.token, { rating: 'up' });
  const recent = await chat(s.token, `a recent question ${tag()}`);
  const twoDaysAgo = Date.now() - 2 * 86_400_000;
  const oldIds = `'${old.events[0].user_message_id}', '${old.events.at(-1).message_id}'`;
  await d1(`UPDATE messages SET created_at_ms = ${twoDaysAgo} WHERE id IN (${oldIds})`);
  await d1(`UPDATE feedback SET created_at_ms = ${twoDaysAgo} WHERE message_id = '${old.events.at(-1).message_id}'`);
  await d1(`UPDATE usage_events SET created_at_ms = ${twoDaysAgo} WHERE message_id = '${old.events.at(-1).message_id}'`);
  await d1(`UPDATE audit_log SET created_at_ms = ${twoDaysAgo} WHERE tenant_id = '${t.id}'`);
  const response = await fetch(`${GATEWAY}/__scheduled?cron=17+3+*+*+*`);
  assert.equal(response.status, 200);
  await eventually(async () => (await d1(`SELECT COUNT(*) AS n FROM messages WHERE tenant_id = '${t.id}'`))[0].n === 2, 10_000, 'the purge');
  const left = (await conversation(s.token)).messages.map((m) => m.id);
  assert.deepEqual(left, [recent.events[0].user_message_id, recent.events.at(-1).message_id], 'only the recent turn stays');
  assert.equal((await d1(`SELECT COUNT(*) AS n FROM feedback WHERE tenant_id = '${t.id}'`))[0].n, 0, 'old feedback');
  const usage = await d1(`SELECT message_id FROM usage_events WHERE tenant_id = '${t.id}'`);
  assert.deepEqual(usage.map((u) => u.message_id), [recent.events.at(-1).message_id], 'old usage');
  const audit = await d1(`SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = '${t.id}' AND created_at_ms = ${twoDaysAgo}`);
  assert.equal(audit[0].n, 0, 'old audit rows');
});

test('erase_leaves_audit_references: erase scrubs the conversation and session ids from audit rows', async () => {
  const t = await createTenantWithKeys('iso-aud', { privacy: { consent_required: true }, texts: { consent_text: 'We store this chat.' } });
  const s = await session(t.id);
  const consented = await call('POST', '/v1/consent', s.token, { accepted: true });
  assert.equal(consented.status, 200);
  const token = consented.json.token;
  await chat(token, 'hello there');
  const mentions = () => d1(`SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = '${t.id}' AND (instr(detail_json, '${s.conversation_id}') > 0 OR instr(detail_json, '${s.session_id}') > 0)`);
  assert.ok((await mentions())[0].n > 0, 'the consent row names the conversation before the erase');
  assert.equal((await call('POST', '/v1/privacy/erase', token, {})).status, 200);
  assert.equal((await mentions())[0].n, 0, 'audit rows still name the erased conversation or session');
});

test('pagination_skips_rows: conversations sharing an updated_at are all listed across pages', async () => {
  const t = await createTenantWithKeys('iso-page');
  const ids = [];
  for (let i = 0; i < 5; i += 1) {
    const s = await session(t.id);
    await chat(s.token, `conversation ${i}`);
    ids.push(s.conversation_id);
  }
  await d1(`UPDATE conversations SET updated_at_ms = 1700000000000 WHERE tenant_id = '${t.id}'`);
  const seen = [];
  let cursor = null;
  for (let page = 0; page < 10; page += 1) {
    const path = `/v1/admin/tenants/${t.id}/conversations?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await admin(t, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    seen.push(...r.json.conversations.map((c) => c.id));
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual([...seen].sort(), [...ids].sort(), 'every conversation exactly once');
});

test('pagination cursor: a malformed cursor is a 400, not a silent first page', async () => {
  const t = await createTenantWithKeys('iso-page2');
  const r = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/conversations?cursor=not-a-cursor`);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_field');
});

test('resend_after_lost_answer_write: a resend whose answer could not be stored is answered again, not 409', async () => {
  const t = await createTenantWithKeys('iso-lost');
  const s = await session(t.id);
  const id = messageId();
  const question = `lost answer ${'word '.repeat(80)}${tag()}`;
  const stream = await streamUntilFirstDelta(s.token, question, id);
  // Storage goes away while the answer streams: the answer cannot be stored.
  await d1('ALTER TABLE messages RENAME TO messages_away');
  let text;
  try {
    text = await stream.rest();
  } finally {
    await d1('ALTER TABLE messages_away RENAME TO messages');
  }
  const last = parseEvents(text).at(-1);
  assert.equal(last.type, 'error', JSON.stringify(last));
  assert.equal(last.code, 'storage_error');
  const again = await chat(s.token, question, { clientMessageId: id });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.events.at(-1).type, 'done');
  const stored = (await conversation(s.token)).messages;
  assert.deepEqual(stored.map((m) => [m.role, m.status]), [['user', 'complete'], ['assistant', 'complete']]);
});
