// Proves the early first request (issue 11): the first upstream request of a turn goes out
// while the shopper's message is still being written to D1, built with the tenant object's
// history hint — and D1 stays the truth. A hint that disagrees with storage (a row removed
// behind the gateway's back) is dropped and the turn is asked again with D1's history; after
// an erase no request of a later turn carries erased text; a message that cannot be stored
// gets `503 storage_error` and no streamed token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, UPSTREAM } from './helpers.mjs';
import { chat, conversation, createTenantWithKeys, d1, session } from './gateway.mjs';

const tag = () => `t${Math.random().toString(36).slice(2, 10)}`;

/** Every upstream request whose messages mention `needle` anywhere. */
async function requestsMentioning(needle) {
  const all = await (await fetch(`${UPSTREAM}/__requests`)).json();
  return all.map((e) => e.body).filter((b) => JSON.stringify(b?.messages ?? []).includes(needle));
}

test('a later turn sees the stored history, whether or not the hint was used', async () => {
  const t = await createTenantWithKeys('early');
  const { token } = await session(t.id);
  const first = `first ${tag()}`;
  const second = `second ${tag()}`;
  await chat(token, first);
  await chat(token, second);
  const third = `third ${tag()}`;
  const r = await chat(token, third);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(r.headers.get('server-timing'), /early;desc=used/, 'the hint matched: the early request answered');
  const asked = (await requestsMentioning(third)).at(-1);
  const users = asked.messages.filter((m) => m.role === 'user').map((m) => m.content);
  assert.deepEqual(users, [first, second, third]);
});

test('a hint that disagrees with storage is dropped: the answer uses D1\'s history', async () => {
  const t = await createTenantWithKeys('early-stale');
  const { token, conversation_id } = await session(t.id);
  const gone = `removed behind the gateway ${tag()}`;
  await chat(token, gone);
  // The object still remembers the turn; D1 no longer has it.
  await d1(`DELETE FROM messages WHERE conversation_id = '${conversation_id}'`);
  const q = `after the removal ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(r.headers.get('server-timing'), /early;desc=none/, 'the stale hint was dropped');
  const answered = (await requestsMentioning(q)).at(-1);
  assert.ok(!JSON.stringify(answered.messages).includes(gone), 'the answer was built from the stale hint');
  assert.deepEqual((await conversation(token)).messages.map((m) => m.role), ['user', 'assistant']);
  // The hint was rebuilt from D1: the next turn's requests carry no trace of the removed turn.
  const next = `next ${tag()}`;
  await chat(token, next);
  for (const body of await requestsMentioning(next)) {
    assert.ok(!JSON.stringify(body.messages).includes(gone), 'a stale hint came back');
  }
});

test('after an erase, no request of a later turn carries the erased text', async () => {
  const t = await createTenantWithKeys('early-erase');
  const { token } = await session(t.id);
  const secret = `erase this ${tag()}`;
  await chat(token, secret);
  await chat(token, `and this too ${tag()}`);
  const erased = await fetch(`${GATEWAY}/v1/privacy/erase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY, authorization: `Bearer ${token}` },
    body: '{}',
  });
  assert.equal(erased.status, 200);
  const q = `fresh start ${tag()}`;
  await chat(token, q);
  const bodies = await requestsMentioning(q);
  assert.ok(bodies.length >= 1);
  for (const body of bodies) assert.ok(!JSON.stringify(body.messages).includes(secret), 'erased text reached the AI runtime');
});

test('a message that cannot be stored gets 503 storage_error and no streamed token', async () => {
  const t = await createTenantWithKeys('early-down');
  const { token } = await session(t.id);
  await chat(token, `warm the hint ${tag()}`);
  await d1('ALTER TABLE messages RENAME TO messages_offline');
  try {
    const r = await chat(token, `while storage is down ${tag()}`);
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, 'storage_error');
    assert.equal(r.body.error.retryable, true);
    assert.equal(r.events.length, 0, 'nothing was streamed');
  } finally {
    await d1('ALTER TABLE messages_offline RENAME TO messages');
  }
  assert.equal((await chat(token, `storage is back ${tag()}`)).events.at(-1).type, 'done');
});
