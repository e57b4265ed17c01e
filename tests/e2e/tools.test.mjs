// Proves tool rounds in workerd (issue 11): the fake AI runtime, scripted to call
// `search_knowledge`, gets the tool's result in a second round and answers from it, while the
// shopper sees `tool` events (started, finished) around the streamed answer; an unknown tool
// is answered with an error result, never run; a model that keeps calling tools is stopped by
// the round cap and the last round is asked without tools; a runtime that refuses `tools` is
// asked again at once in prompt-only mode and remembered; the built-in responder routes the
// question to the same tool and shows the same status events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UPSTREAM } from './helpers.mjs';
import { chat, conversation, createTenantWithKeys, session } from './gateway.mjs';

/** Bodies of the upstream requests of one turn: any message mentions `needle` (after a tool
 * round the last message is the tool's result, not the shopper's). */
async function upstreamRequestsFor(needle) {
  const all = await (await fetch(`${UPSTREAM}/__requests`)).json();
  return all.map((entry) => entry.body).filter((body) => (body?.messages ?? []).some((m) => JSON.stringify(m.content ?? '').includes(needle)));
}

const tag = () => Math.random().toString(36).slice(2, 10);
const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');
const toolEvents = (events) => events.filter((e) => e.type === 'tool').map((e) => `${e.name}:${e.status}`);

test('a tool round: the model calls search_knowledge, gets the result and answers from it', async () => {
  const t = await createTenantWithKeys('tools');
  const { token } = await session(t.id);
  const q = `[[scenario:tool-call]] How long does shipping take? ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.status, 200);
  assert.deepEqual(toolEvents(r.events), ['search_knowledge:started', 'search_knowledge:finished']);
  assert.equal(r.events.at(-1).type, 'done');
  assert.match(textOf(r.events), /From the shop's help page "Shipping"/);
  const requests = await upstreamRequestsFor(q);
  assert.equal(requests.length, 2, 'two upstream rounds');
  assert.equal(requests[0].tools[0].function.name, 'search_knowledge');
  const fed = requests[1].messages.slice(-2);
  assert.equal(fed[0].role, 'assistant');
  assert.equal(fed[0].tool_calls[0].function.name, 'search_knowledge');
  assert.equal(fed[1].role, 'tool');
  assert.equal(fed[1].tool_call_id, fed[0].tool_calls[0].id);
  assert.match(fed[1].content, /Orders ship|ship/i, 'the snippet text reached the model');
  // In tools mode the snippets are not stuffed into the system prompt.
  assert.ok(!requests[0].messages[0].content.includes('Shop information:'));
  const stored = (await conversation(token)).messages;
  assert.deepEqual(stored.map((m) => [m.role, m.status]), [['user', 'complete'], ['assistant', 'complete']]);
  assert.equal(stored[1].text, textOf(r.events));
});

test('an unknown tool is answered with an error result and never run', async () => {
  const t = await createTenantWithKeys('tools-unknown');
  const { token } = await session(t.id);
  const q = `[[scenario:unknown-tool-call]] cancel everything ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.events.at(-1).type, 'done');
  assert.deepEqual(toolEvents(r.events), [], 'nothing ran');
  assert.match(textOf(r.events), /The tool failed \(unknown tool `cancel_all_orders`\)/);
});

test('the round cap stops a model that keeps calling tools; the last round has no tools', async () => {
  const t = await createTenantWithKeys('tools-cap');
  const { token } = await session(t.id);
  const q = `[[scenario:tool-call-forever]] returns ${tag()}`;
  const r = await chat(token, q);
  assert.equal(r.events.at(-1).type, 'done');
  const requests = await upstreamRequestsFor(q);
  assert.equal(requests.length, 4, '3 tool rounds and a last one');
  assert.ok(requests.slice(0, 3).every((body) => body.tools?.length > 0));
  assert.equal(requests[3].tools, undefined, 'the last round is asked without tools');
  assert.equal(toolEvents(r.events).filter((e) => e.endsWith(':started')).length, 3);
  assert.ok(textOf(r.events).length > 0);
});

test('a runtime that refuses tools is asked again in prompt-only mode, and remembered', async () => {
  const t = await createTenantWithKeys('tools-refuse', { assistant: { model: 'fake-rejects-tools' } });
  const { token } = await session(t.id);
  const q1 = `What is your return policy? ${tag()}`;
  const first = await chat(token, q1);
  assert.equal(first.events.at(-1).type, 'done');
  assert.match(textOf(first.events), /^Echo: /);
  const asked = await upstreamRequestsFor(q1);
  assert.equal(asked.length, 2);
  assert.ok(asked[0].tools?.length > 0, 'first asked with tools');
  assert.equal(asked[1].tools, undefined, 'then without');
  assert.match(asked[1].messages[0].content, /Shop information:/, 'prompt-only mode puts the snippets in the prompt');
  const q2 = `And shipping? ${tag()}`;
  await chat(token, q2);
  const again = await upstreamRequestsFor(q2);
  assert.equal(again.length, 1, 'remembered: no refused request first');
  assert.equal(again[0].tools, undefined);
});

test('the built-in responder routes the question to search_knowledge and shows the same status', async () => {
  const t = await createTenantWithKeys('tools-builtin');
  const { token } = await session(t.id);
  const r = await chat(token, `[[scenario:status-429]] How long does shipping take? ${tag()}`);
  assert.equal(r.events.at(-1).type, 'done');
  assert.deepEqual(toolEvents(r.events), ['search_knowledge:started', 'search_knowledge:finished']);
  assert.match(textOf(r.events), /Source: \*\*Shipping\*\*/);
});
