// Proves the per-tenant limits are exact in workerd (SPEC §4): a burst of N concurrent chat
// requests against a limit L admits exactly min(N, L) for N in {L-1, L, 3L}; refusals carry
// 429, Retry-After, RateLimit-* headers and an error code naming the limit; the concurrency cap
// holds with parallel open streams and a stream killed mid-way frees its slot; the daily token
// budget refuses once spent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chat, createTenant, eventually, session } from './gateway.mjs';

const L = 5;

for (const n of [L - 1, L, 3 * L]) {
  test(`a burst of ${n} concurrent requests against a session limit of ${L} admits exactly ${Math.min(n, L)}`, async () => {
    const tenant = await createTenant('rl-burst', { limits: { session_requests_per_minute: L } });
    const { token } = await session(tenant);
    const results = await Promise.all(Array.from({ length: n }, (_, i) => chat(token, `burst question ${i}`)));
    const admitted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(admitted.length, Math.min(n, L), `statuses: ${results.map((r) => r.status)}`);
    assert.equal(refused.length, n - Math.min(n, L));
    for (const r of admitted) assert.equal(r.events.at(-1).type, 'done');
    for (const r of refused) {
      assert.equal(r.body.error.code, 'rate_limited');
      assert.equal(r.body.error.retryable, true);
      assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
      assert.equal(r.headers.get('ratelimit-limit'), String(L));
      assert.equal(r.headers.get('ratelimit-remaining'), '0');
      assert.ok(Number(r.headers.get('ratelimit-reset')) >= 1);
    }
  });
}

test('a tenant-wide limit is shared by all sessions and exact', async () => {
  const tenant = await createTenant('rl-tenant', { limits: { tenant_requests_per_minute: 4 } });
  const sessions = await Promise.all(Array.from({ length: 10 }, () => session(tenant)));
  const results = await Promise.all(sessions.map((s, i) => chat(s.token, `tenant question ${i}`)));
  assert.equal(results.filter((r) => r.status === 200).length, 4, `statuses: ${results.map((r) => r.status)}`);
});

test('the concurrency cap holds with parallel open streams, and a killed stream frees its slot', async () => {
  const tenant = await createTenant('rl-streams', { limits: { max_concurrent_streams: 2 } });
  const sessions = await Promise.all(Array.from({ length: 5 }, () => session(tenant)));
  // Slow answers keep the streams open while the others arrive.
  const slow = '[[scenario:slow-first-token=2500]] hold this stream open';
  const results = await Promise.all(sessions.map((s) => chat(s.token, slow)));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
  for (const r of results.filter((r) => r.status === 429)) {
    assert.equal(r.body.error.code, 'too_many_streams');
  }
  // Both finished: slots are free again.
  const again = await Promise.all(sessions.slice(0, 2).map((s) => chat(s.token, 'after the slow ones')));
  assert.deepEqual(again.map((r) => r.status), [200, 200]);

  // Kill two streams mid-way: their slots must come back without waiting for lease expiry.
  const killers = sessions.slice(2, 4).map(() => new AbortController());
  const killed = sessions.slice(2, 4).map((s, i) =>
    chat(s.token, slow, { signal: killers[i].signal }).catch((e) => ({ aborted: e.name })));
  await new Promise((r) => setTimeout(r, 600));
  const whileOpen = await chat(sessions[4].token, 'while two are open');
  assert.equal(whileOpen.status, 429, 'both slots are held');
  killers.forEach((k) => k.abort());
  await Promise.all(killed);
  await eventually(async () => (await chat(sessions[4].token, 'after the kill')).status === 200, 10_000, 'a freed slot');
});

test('the daily token budget refuses once spent', async () => {
  const tenant = await createTenant('rl-budget', { limits: { daily_token_budget: 50 } });
  const { token } = await session(tenant);
  const first = await chat(token, 'spend the budget');
  assert.equal(first.status, 200);
  const usage = first.events.at(-1).usage;
  assert.ok(usage.prompt_tokens + usage.completion_tokens > 50, 'one answer spends more than the budget');
  const second = await eventually(async () => {
    const r = await chat(token, 'one more');
    return r.status === 429 ? r : null;
  }, 5_000, 'the budget refusal');
  assert.equal(second.body.error.code, 'daily_budget_exhausted');
  assert.ok(Number(second.headers.get('retry-after')) > 0);
});
