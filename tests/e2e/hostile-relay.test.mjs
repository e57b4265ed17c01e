// Proves the relay holds against upstreams that never end or fail in disguise (issue 10, items
// 6 and 7), through the real gateway in workerd and the fake AI runtime:
// - an upstream that sends [DONE] and then keeps the connection open and keeps sending: the
//   answer ends at [DONE], nothing after it reaches the shopper or storage;
// - an upstream that streams content forever: the answer is cut at the byte cap derived from
//   the tenant's assistant.max_output_tokens, ends with `done` + finish `length`, and is stored;
// - the same, slow enough never to reach the byte cap: the answer's duration cap
//   (AI_MAX_ANSWER_MS, 15 s in the e2e stack) ends it with `upstream_timeout`, stored as
//   interrupted with the text so far;
// - a primary that answers 200 and then closes before any content, or answers 200 with a
//   JSON error object or an HTML page: the fallback upstream answers (usage_events.upstream is
//   'fallback'), not the built-in responder and not an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chat, conversation, createTenant, d1, eventually, session, upstreamRequestsFor } from './gateway.mjs';

const tag = () => Math.random().toString(36).slice(2, 10);
const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');
/** POST /v1/chat, failing clearly when the answer has not ended after 60 s: well above what a
 * bounded relay needs, well below how long the fake keeps going (2 min). */
async function chatPatiently(token, message) {
  try {
    return await chat(token, message, { signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    if (e.name === 'TimeoutError') assert.fail('the answer had not ended after 60 s');
    throw e;
  }
}

async function lastAnswer(token) {
  return eventually(async () => {
    const last = (await conversation(token)).messages.at(-1);
    return last?.role === 'assistant' ? last : null;
  }, 10_000, 'the stored answer');
}

async function usageRow(conversationId) {
  const [row] = await eventually(async () => {
    const rows = await d1(`SELECT upstream, model, outcome FROM usage_events WHERE conversation_id = '${conversationId}'`);
    return rows.length ? rows : null;
  }, 10_000, 'the telemetry row');
  return row;
}

test('[DONE] then more bytes on an open connection: the answer ends at [DONE]', async () => {
  const tenant = await createTenant('hostile-done');
  const { token } = await session(tenant);
  const r = await chatPatiently(token, `[[scenario:done-then-more]] stop at done ${tag()}`);
  const last = r.events.at(-1);
  assert.equal(last.type, 'done');
  assert.equal(last.finish, 'complete');
  assert.equal(last.usage.estimated, false, 'the usage chunk before [DONE] was kept');
  const text = textOf(r.events);
  assert.match(text, /small chunks\.$/);
  assert.ok(!text.includes('after [DONE]'), text);
  const stored = await lastAnswer(token);
  assert.equal(stored.status, 'complete');
  assert.equal(stored.text, text);
});

test('endless content is cut at the byte cap, ends with finish length and is stored', async () => {
  // 16 tokens × 16 bytes per token = a 256-byte cap.
  const tenant = await createTenant('hostile-bytes', { assistant: { max_output_tokens: 16 } });
  const { token, conversation_id } = await session(tenant);
  const r = await chatPatiently(token, `[[scenario:endless-content]] forever ${tag()}`);
  const last = r.events.at(-1);
  assert.equal(last.type, 'done');
  assert.equal(last.finish, 'length');
  const text = textOf(r.events);
  assert.equal(Buffer.byteLength(text), 256, 'cut exactly at the cap');
  const stored = await lastAnswer(token);
  assert.equal(stored.status, 'complete');
  assert.equal(stored.text, text);
  assert.equal((await usageRow(conversation_id)).outcome, 'complete');
});

test('endless content below the byte cap is cut at the duration cap and stored as interrupted', async () => {
  const tenant = await createTenant('hostile-time', { assistant: { max_output_tokens: 4096 } });
  const { token } = await session(tenant);
  const started = Date.now();
  const r = await chatPatiently(token, `[[scenario:endless-content]] slowly forever ${tag()}`);
  const last = r.events.at(-1);
  assert.equal(last.type, 'error');
  assert.equal(last.code, 'upstream_timeout');
  assert.equal(last.retryable, true);
  assert.ok(Date.now() - started >= 14_000, 'not before the 15 s cap');
  const text = textOf(r.events);
  assert.ok(text.length > 0);
  const stored = await lastAnswer(token);
  assert.equal(stored.status, 'interrupted');
  assert.equal(stored.text, text);
});

/** A tenant whose primary model (the fake reads the scenario from it) misbehaves; the fallback is fake-normal. */
async function fallsBack(scenario, expectedModels) {
  const tenant = await createTenant(`hostile-${scenario}`, { assistant: { model: `fake-${scenario}` } });
  const { token, conversation_id } = await session(tenant);
  const q = `disguised failure ${tag()}`;
  const r = await chatPatiently(token, q);
  assert.equal(r.events.at(-1).type, 'done', JSON.stringify(r.events.at(-1)));
  assert.match(textOf(r.events), /^Echo: disguised failure/, 'the fallback model answered');
  assert.deepEqual((await upstreamRequestsFor(q)).map((b) => b.model), expectedModels);
  assert.deepEqual(await usageRow(conversation_id), { upstream: 'fallback', model: 'fake-normal', outcome: 'complete' });
}

test('a primary that answers 200 and closes before any content: retried, then the fallback answers', async () => {
  await fallsBack('cut-before-content', ['fake-cut-before-content', 'fake-cut-before-content', 'fake-cut-before-content', 'fake-normal']);
});

test('a primary that answers 200 with a JSON error object: the fallback answers', async () => {
  await fallsBack('json-error-200', ['fake-json-error-200', 'fake-normal']);
});

test('a primary that answers 200 with an HTML page: the fallback answers', async () => {
  await fallsBack('html-200', ['fake-html-200', 'fake-normal']);
});
