// Proves the privacy leftovers of issue 10 (item 9) are closed, one case per defect, against the
// gateway in workerd: a shopper's feedback comment is stored in the same redacted form as a
// message (checked in D1) and not at all in store-nothing mode; the shopper export and the
// admin export show each message's feedback (rating and the comment as stored); and a chat
// message typed with full-width digits and the full-width at sign `＠` reaches the model (what
// the fake upstream received) and storage (D1) redacted, like its ASCII form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { PLATFORM_SECRET, chat, createTenantWithKeys, d1, session, upstreamRequestsFor } from './gateway.mjs';
import { adminSignature, identityToken } from './signing.mjs';

const tag = () => `t${Math.random().toString(36).slice(2, 10)}`;
const COMMENT = 'Wrong size. Reach me at jonas.weber@beispiel.de or Handy +49 151 23456789';
const REDACTED_COMMENT = 'Wrong size. Reach me at [email] or Handy [phone]';
const COMMENT_LEAKS = ['jonas.weber@beispiel.de', '23456789'];
const REDACT_STORED = { privacy: { redact_pii_before_storage: true, redact_pii_before_ai: true } };

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
const assertNoLeak = (text, leaks, where) => {
  for (const leak of leaks) assert.ok(!text.includes(leak), `${leak} in ${where}: ${text}`);
};

/** Chats once and rates the answer down with COMMENT; returns the answer's message id. */
async function rateWithComment(token) {
  const answered = await chat(token, `a question ${tag()}`);
  assert.equal(answered.events.at(-1).type, 'done');
  const id = answered.events.at(-1).message_id;
  const rated = await post(`/v1/messages/${id}/feedback`, token, { rating: 'down', comment: COMMENT });
  assert.equal(rated.status, 200, JSON.stringify(rated.body));
  return id;
}

test('feedback comments were stored unredacted', async () => {
  const t = await createTenantWithKeys('hp-fb', REDACT_STORED);
  const { token } = await session(t.id);
  const id = await rateWithComment(token);
  const [row] = await d1(`SELECT rating, comment FROM feedback WHERE tenant_id = '${t.id}' AND message_id = '${id}'`);
  assertNoLeak(row.comment, COMMENT_LEAKS, 'the stored comment');
  assert.deepEqual(row, { rating: 'down', comment: REDACTED_COMMENT });
});

test('a feedback comment was stored in store-nothing mode', async () => {
  const t = await createTenantWithKeys('hp-none');
  const { token } = await session(t.id);
  const answered = await chat(token, 'a question before the tenant stops storing');
  const id = answered.events.at(-1).message_id;
  // The tenant switches to store-nothing mode; the earlier answer can still be rated.
  const config = { ...t.config, privacy: { ...t.config.privacy, store_transcripts: false } };
  const put = await fetch(`${GATEWAY}/v1/platform/tenants/${t.id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${PLATFORM_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  assert.equal(put.status, 200);
  const rated = await post(`/v1/messages/${id}/feedback`, token, { rating: 'up', comment: COMMENT });
  assert.equal(rated.status, 200);
  const rows = await d1(`SELECT rating, comment FROM feedback WHERE tenant_id = '${t.id}'`);
  assert.deepEqual(rows, [{ rating: 'up', comment: null }]);
});

test('the shopper export left feedback out', async () => {
  const t = await createTenantWithKeys('hp-sexp', REDACT_STORED);
  const { token } = await session(t.id);
  await rateWithComment(token);
  const exported = await post('/v1/privacy/export', token);
  assert.equal(exported.status, 200);
  const [question, answer] = exported.body.messages;
  assert.equal(question.feedback, null, 'a question carries no feedback');
  assert.deepEqual(answer.feedback, { rating: 'down', comment: REDACTED_COMMENT });
  assertNoLeak(JSON.stringify(exported.body), COMMENT_LEAKS, 'the shopper export');
});

test('the admin export left feedback out', async () => {
  const t = await createTenantWithKeys('hp-aexp', REDACT_STORED);
  const idToken = identityToken(t.identity.secret_hex, { sub: 'cust_9', exp: Math.floor(Date.now() / 1000) + 600 });
  const s = await fetch(`${GATEWAY}/v1/sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: GATEWAY },
    body: JSON.stringify({ tenant_id: t.id, identity_token: idToken }),
  }).then((r) => r.json());
  await rateWithComment(s.token);
  const exported = await adminPost(t, `/v1/admin/tenants/${t.id}/privacy/export`, { user_id: 'cust_9' });
  assert.equal(exported.status, 200);
  const [conversation] = exported.body.conversations;
  assert.deepEqual(conversation.messages.map((m) => m.feedback),
    [null, { rating: 'down', comment: REDACTED_COMMENT }]);
  assertNoLeak(JSON.stringify(exported.body), COMMENT_LEAKS, 'the admin export');
});

test('full-width digits and the full-width at sign bypassed redaction', async () => {
  const t = await createTenantWithKeys('hp-wide', REDACT_STORED);
  const { token } = await session(t.id);
  const marker = tag();
  const message = 'Schreiben Sie an jonas.weber＠beispiel.de, Handy ＋４９ １５１ ２３４５６７８９, '
    + 'Karte ４１１１ １１１１ １１１１ １１１１, IBAN ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００. ' + marker;
  // Each piece of PII in the form typed and in its ASCII (NFKC) form.
  const leaks = ['jonas.weber', '＠beispiel', '２３４５６７８９', '４１１１ １１１１', 'ＤＥ８９',
    '@beispiel.de', '23456789', '4111 1111', 'DE89 3704'];
  const answered = await chat(token, message);
  assert.equal(answered.events.at(-1).type, 'done');
  const [sent] = await upstreamRequestsFor(marker);
  const toModel = sent.messages.at(-1).content;
  assertNoLeak(toModel, leaks, 'what the model got');
  assert.match(toModel, /\[email\].*\[phone\].*\[card\].*\[iban\]/);
  const stored = await d1(`SELECT text FROM messages WHERE tenant_id = '${t.id}' AND role = 'user'`);
  assert.equal(stored.length, 1);
  assertNoLeak(stored[0].text, leaks, 'the stored message');
  assert.equal(stored[0].text,
    `Schreiben Sie an [email], Handy [phone], Karte [card], IBAN [iban]. ${marker}`);
});
