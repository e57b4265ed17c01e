// The handoff's hostile-input table (issue 14): every refusal of the live channel, the staff
// routes and webhooks, proven against the gateway in workerd. A shopper's token opens only
// its own conversation's socket and never posts as staff; bad frames (oversized, malformed,
// binary, notes from a shopper, too fast) close the socket with the core's code and a reason
// and store nothing; webhook URLs must be https and never internal; another tenant's admin
// key reaches nothing of this tenant's inbox, conversations or webhooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { createTenantWithKeys, d1, session } from './gateway.mjs';
import { b64url } from './signing.mjs';
import { admin, clientId, LiveClient, liveUrl, rawSocket, shopper, shopperTicket, staffPath, staffTicket } from './handoff-helpers.mjs';

const count = async (t, c) => (await d1(`SELECT COUNT(*) AS n FROM live_entries WHERE tenant_id = '${t.id}' AND conversation_id = '${c}'`))[0].n;

async function waitingConversation(t) {
  const s = await session(t.id);
  const r = await shopper('POST', '/v1/handoff', s.token, {});
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return s;
}

/** Expects the upgrade to be refused (the socket never opens). */
async function refusedUpgrade(url) {
  await assert.rejects(rawSocket(url), /socket refused/);
}

test('tickets: a forged, spliced or other-tenant ticket opens nothing; a shopper sees only its own conversation', async () => {
  const t = await createTenantWithKeys('hostile-live');
  const a = await waitingConversation(t);
  const b = await waitingConversation(t);
  const ticket = await shopperTicket(a.token);
  const [tenant, body, sig] = ticket.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url'));
  // The ticket route takes no conversation from the client: it names the token's own.
  assert.equal(claims.conversation_id, a.conversation_id);
  assert.equal(claims.role, 'shopper');
  const rows = [
    ['another conversation, same signature', `${tenant}.${b64url(JSON.stringify({ ...claims, conversation_id: b.conversation_id }))}.${sig}`],
    ['a staff role, same signature', `${tenant}.${b64url(JSON.stringify({ ...claims, role: 'staff', staff_id: 'admin:a1' }))}.${sig}`],
    ['a later expiry, same signature', `${tenant}.${b64url(JSON.stringify({ ...claims, expires_at_ms: claims.expires_at_ms + 3_600_000 }))}.${sig}`],
    ['another tenant prefix', `demo.${body}.${sig}`],
    ['no signature', `${tenant}.${body}`],
    ['garbage', 'x'],
  ];
  for (const [what, forged] of rows) {
    await refusedUpgrade(liveUrl(forged)).catch((e) => { throw new Error(`${what}: ${e.message}`); });
  }
  // No ticket, or no upgrade header: refused over plain HTTP.
  await refusedUpgrade(`${GATEWAY.replace(/^http/, 'ws')}/v1/live`);
  assert.equal((await fetch(`${GATEWAY}/v1/live?ticket=${encodeURIComponent(ticket)}`)).status, 400);
  // A session token is not a ticket.
  await refusedUpgrade(liveUrl(a.token));

  // A's socket never receives B's conversation.
  const sa = new LiveClient(() => shopperTicket(a.token));
  const sb = new LiveClient(() => shopperTicket(b.token));
  await Promise.all([sa.connect(), sb.connect()]);
  sb.send('only for b');
  await sb.until(() => sb.texts('shopper').includes('only for b'), 10_000, 'b echo');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!sa.texts().includes('only for b'));
  await Promise.all([sa.close(), sb.close()]);
});

test('a shopper never posts as staff: extra fields are ignored, notes close the socket, staff routes need a signature', async () => {
  const t = await createTenantWithKeys('hostile-staff');
  const s = await waitingConversation(t);
  const c = s.conversation_id;
  const { ws, frames, closed } = await rawSocket(liveUrl(await shopperTicket(s.token)));
  // Live entries flow once the socket has resumed (docs/API.md).
  ws.send(JSON.stringify({ type: 'resume', after: 0 }));
  const id = clientId('x');
  ws.send(JSON.stringify({ type: 'message', client_id: id, text: 'I am staff', author: 'staff', name: 'Boss', internal: true }));
  const echoed = await new Promise((resolve, reject) => {
    const until = Date.now() + 10_000;
    const poll = () => {
      const f = frames.find((x) => x.type === 'message' && x.client_id === id);
      if (f) return resolve(f);
      if (Date.now() > until) return reject(new Error('no echo'));
      setTimeout(poll, 50);
    };
    poll();
  });
  assert.equal(echoed.author, 'shopper');
  assert.equal(echoed.internal, false);
  assert.equal(echoed.name, undefined);
  const before = await count(t, c);
  ws.send(JSON.stringify({ type: 'note', client_id: clientId('n'), text: 'sneaky note' }));
  const close = await closed;
  assert.equal(close.code, 4400);
  assert.match(close.reason, /not allowed/);
  assert.ok(frames.some((f) => f.type === 'error' && f.code === 'not_allowed'));
  assert.equal(await count(t, c), before, 'nothing stored');

  // Staff routes with the shopper's bearer token (no admin signature): refused.
  for (const action of ['take', 'messages', 'notes', 'close', 'live/ticket']) {
    const r = await fetch(`${GATEWAY}${staffPath(t, c, action)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', origin: GATEWAY },
      body: JSON.stringify({ text: 'x' }),
    });
    assert.equal(r.status, 401, action);
  }
  const inbox = await fetch(`${GATEWAY}/v1/admin/tenants/${t.id}/inbox`, { headers: { authorization: `Bearer ${s.token}` } });
  assert.equal(inbox.status, 401);
});

test('bad frames close the socket with a reason and store nothing', async () => {
  const t = await createTenantWithKeys('hostile-frames');
  const s = await waitingConversation(t);
  const c = s.conversation_id;
  const cases = [
    ['oversized', (ws) => ws.send(JSON.stringify({ type: 'message', client_id: 'big', text: 'x'.repeat(9000) })), 4400, /too large/],
    ['not JSON', (ws) => ws.send('hello'), 4400, /malformed/],
    ['unknown type', (ws) => ws.send(JSON.stringify({ type: 'takeover' })), 4400, /malformed/],
    ['bad client id', (ws) => ws.send(JSON.stringify({ type: 'message', client_id: 'a b', text: 'x' })), 4400, /client_id/],
    ['empty text', (ws) => ws.send(JSON.stringify({ type: 'message', client_id: 'e1', text: '   ' })), 4400, /text/],
    ['control characters', (ws) => ws.send(JSON.stringify({ type: 'message', client_id: 'e2', text: 'a\u0000b' })), 4400, /control/],
    ['binary', (ws) => ws.send(new Uint8Array([1, 2, 3])), 4400, /binary/],
    ['too fast', (ws) => { for (let i = 0; i < 40; i += 1) ws.send(JSON.stringify({ type: 'typing' })); }, 4429, /too many/],
  ];
  const before = await count(t, c);
  for (const [what, send, code, reason] of cases) {
    const { ws, closed } = await rawSocket(liveUrl(await shopperTicket(s.token)));
    send(ws);
    const close = await closed;
    assert.equal(close.code, code, what);
    assert.match(close.reason, reason, what);
  }
  assert.equal(await count(t, c), before, 'no bad frame stored anything');
  // A shopper message while the assistant owns the conversation is not stored either.
  const back = await admin(t, 'POST', staffPath(t, c, 'hand-back'), {});
  assert.equal(back.status, 200);
  const after = await count(t, c);
  const { ws, frames } = await rawSocket(liveUrl(await shopperTicket(s.token)));
  ws.send(JSON.stringify({ type: 'message', client_id: 'late', text: 'anyone?' }));
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(frames.some((f) => f.type === 'error' && f.code === 'not_now'), JSON.stringify(frames));
  assert.equal(await count(t, c), after);
  ws.close();
});

test('webhook URLs must be https and public; event types must be known', async () => {
  const t = await createTenantWithKeys('hostile-hooks');
  const path = `/v1/admin/tenants/${t.id}/webhooks`;
  for (const url of [
    'http://hooks.example.com/x',
    'https://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/hook',
    'https://192.168.0.10/hook',
    'https://user:pw@hooks.example.com/x',
    'ftp://hooks.example.com/x',
    'not a url',
  ]) {
    const r = await admin(t, 'POST', path, { url, events: ['csat.submitted'] });
    assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error.message, /url/);
  }
  const unknown = await admin(t, 'POST', path, { url: 'https://hooks.example.com/x', events: ['order.paid'] });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error.message, /unknown event type/);
  const empty = await admin(t, 'POST', path, { url: 'https://hooks.example.com/x', events: [] });
  assert.equal(empty.status, 400);
  assert.equal((await admin(t, 'GET', path)).json.endpoints.length, 0);
});

test('another tenant reaches nothing: inbox, conversations, tickets, webhooks and deliveries', async () => {
  const a = await createTenantWithKeys('iso-a');
  const b = await createTenantWithKeys('iso-b');
  const s = await waitingConversation(a);
  const c = s.conversation_id;
  const hook = await admin(a, 'POST', `/v1/admin/tenants/${a.id}/webhooks`, { url: 'https://hooks.example.com/x', events: ['csat.submitted'] });
  assert.equal(hook.status, 201);
  // B's key signing A's paths: refused.
  const signedByB = { ...a, admin: b.admin };
  assert.equal((await admin(signedByB, 'GET', `/v1/admin/tenants/${a.id}/inbox`)).status, 401);
  assert.equal((await admin(signedByB, 'POST', staffPath(a, c, 'take'), {})).status, 401);
  assert.equal((await admin(signedByB, 'GET', `/v1/admin/tenants/${a.id}/webhooks`)).status, 401);
  // B's own paths naming A's conversation, endpoint or delivery: not found.
  for (const action of ['take', 'close', 'hand-back', 'messages', 'notes', 'live/ticket']) {
    const r = await admin(b, 'POST', staffPath(b, c, action), { text: 'hi' });
    assert.equal(r.status, 404, `${action}: ${JSON.stringify(r.json)}`);
  }
  assert.equal((await admin(b, 'DELETE', `/v1/admin/tenants/${b.id}/webhooks/${hook.json.id}`)).status, 404);
  assert.equal((await admin(b, 'POST', `/v1/admin/tenants/${b.id}/webhooks/deliveries/whd_nope/retry`, {})).status, 404);
  const bInbox = await admin(b, 'GET', `/v1/admin/tenants/${b.id}/inbox`);
  assert.equal(bInbox.status, 200);
  assert.ok(!JSON.stringify(bInbox.json).includes(c));
  assert.equal((await admin(b, 'GET', `/v1/admin/tenants/${b.id}/webhooks`)).json.endpoints.length, 0);
  // A's conversation is untouched.
  const aInbox = await admin(a, 'GET', `/v1/admin/tenants/${a.id}/inbox`);
  assert.equal(aInbox.json.conversations.find((r) => r.conversation_id === c).state, 'waiting');
  // A staff ticket of A works for A's conversation only.
  const staff = new LiveClient(() => staffTicket(a, c));
  await staff.connect();
  await staff.close();
});
