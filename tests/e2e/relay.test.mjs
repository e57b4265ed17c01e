// Proves the chat relay in workerd against the fake AI runtime (SPEC §5): a normal answer
// streams and is stored; a 500 is retried before the first byte; a 429 with Retry-After is
// honoured, the fallback upstream is tried, then the built-in responder answers; a missing
// first token and an upstream that only sends keep-alives hit their timeouts; a stream cut
// mid-way ends with a retryable error event and the text so far is stored as interrupted; a
// malformed chunk is skipped; a very long answer arrives whole; usage is reported when the
// upstream gives it and estimated when not; a shopper who goes away leaves a stopped message;
// a retried send never duplicates the shopper's message; the gateway, not the client,
// supplies history to the model; and telemetry is recorded but never fails a chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chat, conversation, createTenant, d1, eventually, messageId, session, upstreamRequestsFor } from './gateway.mjs';

const tenant = await createTenant('relay');
const tag = () => Math.random().toString(36).slice(2, 10);
const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');

test('a normal answer streams as start, deltas, done and is stored complete', async () => {
  const { token } = await session(tenant);
  const q = `normal ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.status, 200);
  assert.equal(r.events[0].type, 'start');
  assert.ok(r.events.filter((e) => e.type === 'delta').length >= 2, 'several deltas');
  const done = r.events.at(-1);
  assert.equal(done.type, 'done');
  assert.equal(done.usage.estimated, false, 'usage reported by the upstream');
  const stored = (await conversation(token)).messages;
  assert.deepEqual(stored.map((m) => [m.role, m.status]), [['user', 'complete'], ['assistant', 'complete']]);
  assert.equal(stored[1].text, textOf(r.events));
  assert.equal(stored[1].id, done.message_id);
});

test('a 500 before the first byte is retried and the answer arrives', async () => {
  const { token } = await session(tenant);
  const q = `[[scenario:status-500-then-ok]] retry me ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(textOf(r.events), /^Echo: /);
  assert.ok((await upstreamRequestsFor(q)).length >= 2, 'the upstream was asked again');
});

test('a 429 with Retry-After is honoured on both upstreams, then the built-in responder answers', async () => {
  const { token } = await session(tenant);
  const q = `[[scenario:status-429]] How long does shipping take? ${tag()}`;
  const started = Date.now();
  const r = await chat(token, q);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(textOf(r.events), /business days/, 'answered from the shop knowledge');
  assert.equal(r.events.at(-1).usage.estimated, true);
  const asked = await upstreamRequestsFor(q);
  assert.deepEqual(asked.map((b) => b.model), ['fake-normal', 'fake-normal', 'fake-normal', 'fake-normal', 'fake-normal', 'fake-normal'],
    'three attempts on the primary, then three on the fallback');
  assert.ok(Date.now() - started >= 4000, 'waited Retry-After between attempts');
});

test('when the primary keeps failing, the fallback upstream answers', async () => {
  // The tenant's model applies to the primary only; the fake answers 429 for it.
  const failing = await createTenant('relay-fb', { assistant: { model: 'fake-status-429' } });
  const { token, conversation_id } = await session(failing);
  const q = `fallback please ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(textOf(r.events), /^Echo: fallback please/);
  assert.deepEqual((await upstreamRequestsFor(q)).map((b) => b.model),
    ['fake-status-429', 'fake-status-429', 'fake-status-429', 'fake-normal']);
  const [row] = await eventually(async () => {
    const rows = await d1(`SELECT upstream, model FROM usage_events WHERE conversation_id = '${conversation_id}'`);
    return rows.length ? rows : null;
  }, 10_000, 'the telemetry row');
  assert.deepEqual(row, { upstream: 'fallback', model: 'fake-normal' });
});

test('no first token within the time-to-first-token limit: the built-in responder answers instead', async () => {
  const { token } = await session(tenant);
  const started = Date.now();
  const r = await chat(token, `[[scenario:slow-first-token=9000]] How long does shipping take? ${tag()}`);
  const elapsed = Date.now() - started;
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(textOf(r.events), /business days/);
  assert.ok(elapsed >= 4500 && elapsed < 9000, `gave up after the 5 s limit, not the 9 s delay (${elapsed} ms)`);
});

test('a stream cut mid-way ends with a retryable error and is stored as interrupted', async () => {
  const { token } = await session(tenant);
  const r = await chat(token, `[[scenario:cut-mid-stream]] cut ${tag()}`);
  const last = r.events.at(-1);
  assert.equal(last.type, 'error');
  assert.equal(last.code, 'upstream_error');
  assert.equal(last.retryable, true);
  const partial = textOf(r.events);
  assert.ok(partial.length > 0, 'some text arrived first');
  const assistant = (await conversation(token)).messages.at(-1);
  assert.equal(assistant.role, 'assistant');
  assert.equal(assistant.status, 'interrupted');
  assert.equal(assistant.text, partial);
});

test('a malformed chunk is skipped and the answer completes', async () => {
  const { token } = await session(tenant);
  const r = await chat(token, `[[scenario:malformed-chunk]] skip ${tag()}`);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(textOf(r.events), /fake AI runtime/);
});

test('usage is estimated when the upstream reports none', async () => {
  const { token } = await session(tenant);
  const r = await chat(token, `[[scenario:no-usage]] count ${tag()}`);
  const done = r.events.at(-1);
  assert.equal(done.type, 'done');
  assert.equal(done.usage.estimated, true);
  assert.ok(done.usage.completion_tokens > 0 && done.usage.prompt_tokens > 0);
});

test('a shopper who goes away mid-answer leaves a stopped message with the text so far', async () => {
  const { token } = await session(tenant);
  const controller = new AbortController();
  const response = await fetch(`${process.env.SHOPKEEP_GATEWAY}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: process.env.SHOPKEEP_GATEWAY, authorization: `Bearer ${token}` },
    body: JSON.stringify({ message: `stop me ${tag()}`, client_message_id: messageId() }),
    signal: controller.signal,
  });
  const reader = response.body.getReader();
  let seen = '';
  while (!seen.includes('"delta"')) seen += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  const assistant = await eventually(async () => {
    const last = (await conversation(token)).messages.at(-1);
    return last?.role === 'assistant' ? last : null;
  }, 10_000, 'the stopped answer to be stored');
  assert.equal(assistant.status, 'stopped');
  assert.ok(assistant.text.length > 0 && !assistant.text.endsWith('small chunks.'), assistant.text);
});

test('a retried send with the same client message id stores the message once', async () => {
  const { token } = await session(tenant);
  const id = messageId();
  const a = await chat(token, 'same message twice', { clientMessageId: id });
  const b = await chat(token, 'same message twice', { clientMessageId: id });
  assert.equal(a.events[0].user_message_id, b.events[0].user_message_id);
  const users = (await conversation(token)).messages.filter((m) => m.role === 'user');
  assert.equal(users.length, 1);
});

test('history comes from storage: the second question reaches the model with the first turn', async () => {
  const { token } = await session(tenant);
  const first = `first question ${tag()}`;
  await chat(token, first);
  const second = `second question ${tag()}`;
  await chat(token, second);
  const [body] = await upstreamRequestsFor(second);
  const roles = body.messages.map((m) => m.role);
  assert.deepEqual(roles, ['system', 'user', 'assistant', 'user']);
  assert.equal(body.messages[1].content, first);
  assert.match(body.messages[2].content, /^Echo: first question/);
  assert.equal(body.stream, true);
  assert.equal(body.stream_options.include_usage, true);
});

test('the system prompt carries the persona and the grounding rules; knowledge comes through the search_knowledge tool', async () => {
  const { token } = await session(tenant);
  const q = `Is the Summit jacket waterproof? ${tag()}`;
  await chat(token, q);
  const [body] = await upstreamRequestsFor(q);
  const system = body.messages[0].content;
  assert.match(system, /Acme Outfitters/);
  assert.match(system, /search_knowledge/);
  assert.match(system, /never invent/);
  assert.equal(body.tools[0].function.name, 'search_knowledge');
  // Prompt-only mode (a runtime without tools) is covered in tools.test.mjs.
});

test('an upstream that only sends keep-alives after some content is cut by the idle timeout', async () => {
  const { token } = await session(tenant);
  const started = Date.now();
  const r = await chat(token, `[[scenario:endless-drip]] drip ${tag()}`);
  const last = r.events.at(-1);
  assert.equal(last.type, 'error');
  assert.equal(last.code, 'upstream_timeout');
  assert.ok(Date.now() - started < 60_000, 'ended long before the drip would');
  const assistant = (await conversation(token)).messages.at(-1);
  assert.equal(assistant.status, 'interrupted');
  assert.equal(assistant.text, textOf(r.events));
});

test('a very long answer arrives whole and is stored whole', async () => {
  // ~12 KB of text: within the byte cap of a tenant that grants 4096 output tokens (64 KiB),
  // beyond the default tenant's 400 tokens (6.4 KB; hostile-relay.test.mjs covers the cap).
  const roomy = await createTenant('relay-long', { assistant: { max_output_tokens: 4096 } });
  const { token } = await session(roomy);
  const r = await chat(token, `[[scenario:long-answer]] long ${tag()}`);
  assert.equal(r.events.at(-1).type, 'done');
  const text = textOf(r.events);
  assert.ok(text.split(' ').length >= 2000, `${text.split(' ').length} words`);
  const assistant = (await conversation(token)).messages.at(-1);
  assert.equal(assistant.text, text);
});

test('a failing telemetry write never fails the chat', async () => {
  const { token } = await session(tenant);
  await d1('ALTER TABLE usage_events RENAME TO usage_events_offline');
  try {
    const r = await chat(token, `telemetry down ${tag()}`);
    assert.equal(r.events.at(-1).type, 'done');
    const stored = (await conversation(token)).messages.map((m) => [m.role, m.status]);
    assert.deepEqual(stored, [['user', 'complete'], ['assistant', 'complete']]);
  } finally {
    await d1('ALTER TABLE usage_events_offline RENAME TO usage_events');
  }
});

test('telemetry records latency, time to first token, tokens, model and outcome', async () => {
  const { token, conversation_id } = await session(tenant);
  await chat(token, `measure me ${tag()}`);
  const rows = await eventually(async () => {
    const found = await d1(`SELECT * FROM usage_events WHERE conversation_id = '${conversation_id}'`);
    return found.length ? found : null;
  }, 10_000, 'the telemetry row');
  const row = rows[0];
  assert.equal(row.upstream, 'primary');
  assert.equal(row.model, 'fake-normal');
  assert.equal(row.outcome, 'complete');
  assert.ok(row.ttft_ms >= 0 && row.latency_ms >= row.ttft_ms);
  assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0);
  assert.equal(row.tokens_estimated, 0);
});
