// Proves the gateway keeps its word under concurrency (issue 16's load run, small): 20
// shoppers with fresh sessions stream 2 turns each at the same time; every turn is admitted and
// ends with `done`, every user message and answer a shopper was told about is in D1, and no
// stream lease outlives its stream (with the tenant's limit lowered to one stream, a new turn is
// admitted). Counts only — timings are for `cargo xtask bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { chat, createTenantWithKeys, d1, messageId, PLATFORM_SECRET, session } from './gateway.mjs';

const SHOPPERS = 20;
const TURNS = 2;
const QUESTIONS = ['How long does shipping take?', 'What is your return policy?', 'Is the Summit jacket waterproof?'];

async function putTenant(config) {
  const response = await fetch(`${GATEWAY}/v1/platform/tenants/${config.tenant_id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${PLATFORM_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  assert.ok([200, 201].includes(response.status), `PUT tenant: ${response.status} ${await response.text()}`);
}

test('20 shoppers at once: every turn admitted and done, nothing lost, every lease released', async () => {
  const { id, config } = await createTenantWithKeys('load', {
    limits: { session_requests_per_minute: 1000, max_concurrent_streams: SHOPPERS },
  });
  const shoppers = await Promise.all(Array.from({ length: SHOPPERS }, () => session(id)));
  const turns = await Promise.all(shoppers.map(async ({ token }, s) => {
    const mine = [];
    for (let t = 0; t < TURNS; t++) {
      const r = await chat(token, QUESTIONS[(s + t) % QUESTIONS.length], { clientMessageId: messageId() });
      mine.push(r);
    }
    return mine;
  }));
  const all = turns.flat();
  const outcomes = all.map((r) => (r.status === 200 ? r.events.at(-1)?.type : `${r.status} ${r.body?.error?.code}`));
  assert.deepEqual(outcomes, Array(SHOPPERS * TURNS).fill('done'), 'every turn admitted and done');

  const told = all.flatMap((r) => [r.events[0].user_message_id, r.events[0].message_id]);
  const rows = await d1(`SELECT id, status FROM messages WHERE tenant_id = '${id}'`);
  const stored = new Map(rows.map((row) => [row.id, row.status]));
  const lost = told.filter((m) => stored.get(m) !== 'complete');
  assert.deepEqual(lost, [], 'every message a shopper was told about is stored complete');

  // Limits are exact: with room for one stream, a turn is admitted only if no lease is held.
  await putTenant({ ...config, limits: { ...config.limits, max_concurrent_streams: 1 } });
  await new Promise((r) => setTimeout(r, 2500)); // the gateway caches a tenant for 2 s
  // First show the probe can see a held lease: one slow stream holds the only slot.
  const holding = chat((await session(id)).token, '[[scenario:slow-first-token=3000]] Hold the slot');
  await new Promise((r) => setTimeout(r, 700));
  const refused = await chat((await session(id)).token, 'Is anything still streaming?');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'too_many_streams');
  assert.equal((await holding).events.at(-1).type, 'done');
  const probe = await chat((await session(id)).token, 'Is anything still streaming?');
  assert.equal(probe.status, 200, `a lease outlived its stream: ${probe.status} ${JSON.stringify(probe.body)}`);
  assert.equal(probe.events.at(-1).type, 'done');
});
