// Proves the API's hygiene with plain fetch (SPEC §7, docs/API.md): unknown routes answer 404
// with the JSON error shape, a non-allowed Origin gets 403 origin_not_allowed, and /healthz
// answers 200 {"ok":true}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';

function assertErrorShape(body, code) {
  assert.equal(typeof body?.error, 'object', `an {"error": …} body: ${JSON.stringify(body)}`);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.retryable, 'boolean');
}

test('GET /healthz answers 200 {"ok":true}', async () => {
  const response = await fetch(`${GATEWAY}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { ok: true });
});

test('an unknown route answers 404 with the JSON error shape', async () => {
  const response = await fetch(`${GATEWAY}/v1/no-such-route`);
  assert.equal(response.status, 404);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  assertErrorShape(await response.json(), 'not_found');
});

test('a session request from an origin the tenant does not allow gets 403', async () => {
  const response = await fetch(`${GATEWAY}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ tenant_id: 'demo' }),
  });
  assert.equal(response.status, 403);
  assertErrorShape(await response.json(), 'origin_not_allowed');
});

test('the same request from the allowed origin gets a session', async () => {
  const response = await fetch(`${GATEWAY}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY },
    body: JSON.stringify({ tenant_id: 'demo' }),
  });
  assert.equal(response.status, 201);
  const body = await response.json();
  assert.equal(typeof body.token, 'string');
  assert.equal(response.headers.get('access-control-allow-origin'), GATEWAY);
});
