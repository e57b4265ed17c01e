// Staff accounts with roles and passkeys (issue 14, staff side), at the API level against
// the gateway in workerd, with a software authenticator written in the test (ES256, `none`
// attestation). Proves: invite → register → sign in gives a session cookie; an agent works
// the inbox (take, reply, note, hand back, close) and gets 403 on everything else; the audit
// log names the staff member; and the hostile table: a reused invite, an invite of tenant A
// used on B, a replayed challenge, a session after disable or revoke, forged, expired and
// cross-tenant tokens, a signature counter that goes back, a lockout after failed sign-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenantWithKeys, session } from './gateway.mjs';
import { admin, shopper, staffPath } from './handoff-helpers.mjs';
import { authenticator, invite, register, signIn, staffCall, staffToken } from './staff-helpers.mjs';

const MASTER = process.env.SHOPKEEP_MASTER_SECRET;

async function waitingConversation(t) {
  const s = await session(t.id);
  const r = await shopper('POST', '/v1/handoff', s.token, { reason: 'Where is my parcel?' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return s;
}

test('invite → register → sign in: an agent works the inbox and nothing else; the audit names them', async () => {
  const t = await createTenantWithKeys('staff-agent');
  const auth = authenticator();
  const inv = await invite(t, 'Sam Agent', 'agent');
  assert.match(inv.url, new RegExp(`/admin/\\?tenant=${t.id}#invite=`));
  assert.ok(!inv.url.split('#')[0].includes(inv.secret), 'the secret rides only in the fragment');

  const reg = await register(t.id, auth, inv.secret);
  assert.deepEqual(reg.staff, { id: inv.staff_id, name: 'Sam Agent', role: 'agent' });
  assert.equal(reg.begin.publicKey.rp.id, new URL(process.env.SHOPKEEP_GATEWAY).hostname);
  assert.equal(reg.begin.publicKey.attestation, 'none');

  const login = await signIn(t.id, auth, reg.credentialId);
  assert.equal(login.status, 200, JSON.stringify(login.json));
  assert.match(login.setCookie, /HttpOnly/);
  assert.match(login.setCookie, /SameSite=Strict/);
  assert.match(login.setCookie, /Secure/);
  assert.match(login.setCookie, new RegExp(`Path=/v1/admin/tenants/${t.id}/`));
  const cookie = login.cookie;

  const me = await staffCall(t.id, 'GET', '/staff/me', { cookie });
  assert.equal(me.status, 200);
  assert.equal(me.json.role, 'agent');
  assert.equal(me.json.staff.name, 'Sam Agent');
  assert.equal(me.json.may.settings, false);

  // Inbox work.
  const s = await waitingConversation(t);
  const inbox = await staffCall(t.id, 'GET', '/inbox', { cookie });
  assert.equal(inbox.status, 200, JSON.stringify(inbox.json));
  assert.ok(inbox.json.conversations.some((c) => c.conversation_id === s.conversation_id));
  const base = `/conversations/${s.conversation_id}`;
  const take = await staffCall(t.id, 'POST', `${base}/take`, { cookie, body: {} });
  assert.equal(take.status, 200, JSON.stringify(take.json));
  assert.equal(take.json.state, 'human');
  const reply = await staffCall(t.id, 'POST', `${base}/messages`, { cookie, body: { text: 'Hello, Sam here.', client_id: 'r-1', name: 'Sam Agent' } });
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.equal(reply.json.entry.text, 'Hello, Sam here.');
  const note = await staffCall(t.id, 'POST', `${base}/notes`, { cookie, body: { text: 'customer is polite', client_id: 'n-1' } });
  assert.equal(note.status, 200, JSON.stringify(note.json));
  assert.equal(note.json.entry.internal, true);
  // One conversation's transcript is inbox work (a conversation with no AI turn yet is 404).
  const transcript = await staffCall(t.id, 'GET', base, { cookie });
  assert.ok([200, 404].includes(transcript.status), JSON.stringify(transcript.json));
  assert.notEqual(transcript.json?.error?.code, 'forbidden');
  const ticket = await staffCall(t.id, 'POST', `${base}/live/ticket`, { cookie, body: { name: 'Sam Agent' } });
  assert.equal(ticket.status, 200, JSON.stringify(ticket.json));

  // Everything else: 403 forbidden, nothing done.
  const refused = [
    ['GET', '/config'],
    ['PUT', '/config', {}],
    ['POST', '/keys/rotate', { purpose: 'admin' }],
    ['POST', '/privacy/export', { user_id: 'cust_1' }],
    ['POST', '/privacy/erase', { user_id: 'cust_1' }],
    ['GET', '/webhooks'],
    ['POST', '/webhooks', { url: 'https://example.com/hook', events: ['message.created'], format: 'json' }],
    ['GET', '/webhooks/deliveries'],
    ['GET', '/catalog'],
    ['GET', '/conversations'],
    ['GET', '/analytics'],
    ['GET', '/audit'],
    ['GET', '/staff'],
    ['POST', '/staff/invites', { name: 'Eve', role: 'admin' }],
    ['POST', `/staff/${inv.staff_id}/disable`, {}],
    ['POST', `${base}/take`, { assign: true }],
  ];
  for (const [method, path, body] of refused) {
    const r = await staffCall(t.id, method, path, { cookie, body });
    assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error.code, 'forbidden');
    assert.match(r.json.error.message, /agent role/);
  }
  // The refused rotation changed nothing: the admin key still works.
  assert.equal((await admin(t, 'GET', `/v1/admin/tenants/${t.id}/config`)).status, 200);

  const back = await staffCall(t.id, 'POST', `${base}/hand-back`, { cookie, body: {} });
  assert.equal(back.status, 200, JSON.stringify(back.json));
  await waitingConversation(t);
  const close = await staffCall(t.id, 'POST', `${base}/close`, { cookie, body: {} });
  assert.equal(close.status, 200, JSON.stringify(close.json));

  // The audit log names the staff member, not an admin key.
  const audit = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/audit?limit=50`);
  assert.equal(audit.status, 200);
  const rows = audit.json.entries;
  const actor = `staff:${inv.staff_id} (Sam Agent)`;
  for (const action of ['staff.register', 'staff.signin', 'conversation.take', 'conversation.reply', 'conversation.note', 'conversation.hand_back', 'conversation.close']) {
    assert.ok(rows.some((r) => r.action === action && r.actor === actor), `${action} by ${actor}: ${JSON.stringify(rows.map((r) => [r.action, r.actor]))}`);
  }
  assert.ok(rows.some((r) => r.action === 'staff.invite' && r.actor === `admin:${t.admin.kid}`));

  // Sign-out ends the session at once.
  const out = await staffCall(t.id, 'POST', '/staff/signout', { cookie });
  assert.equal(out.status, 200);
  assert.match(out.setCookie, /Max-Age=0/);
  assert.equal((await staffCall(t.id, 'GET', '/inbox', { cookie })).status, 401);
});

test('an admin-role staff member can do what the admin key does, and the list shows the staff', async () => {
  const t = await createTenantWithKeys('staff-admin');
  const auth = authenticator();
  const inv = await invite(t, 'Ada Admin', 'admin');
  const { cookie } = await register(t.id, auth, inv.secret);
  const config = await staffCall(t.id, 'GET', '/config', { cookie });
  assert.equal(config.status, 200, JSON.stringify(config.json));
  const put = await staffCall(t.id, 'PUT', '/config', { cookie, body: config.json.config });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const second = await staffCall(t.id, 'POST', '/staff/invites', { cookie, body: { name: 'Bo', role: 'agent' } });
  assert.equal(second.status, 201, JSON.stringify(second.json));
  const list = await staffCall(t.id, 'GET', '/staff', { cookie });
  assert.equal(list.status, 200);
  const ada = list.json.members.find((m) => m.id === inv.staff_id);
  assert.equal(ada.role, 'admin');
  assert.equal(ada.passkeys, 1);
  assert.ok(ada.active_sessions >= 1);
  assert.ok(list.json.invites.some((i) => i.staff_id === second.json.staff_id && i.name === 'Bo'));
  assert.ok(!JSON.stringify(list.json).includes(second.json.secret), 'invite secrets are never listed');
  const audit = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/audit?limit=50`);
  const rows = audit.json.entries;
  assert.ok(rows.some((r) => r.action === 'config.put' && r.actor === `staff:${inv.staff_id} (Ada Admin)`),
    JSON.stringify(rows.map((r) => [r.action, r.actor])));
});

test('hostile: invites are single-use and tenant-bound, challenges single-use', async () => {
  const a = await createTenantWithKeys('staff-host-a');
  const b = await createTenantWithKeys('staff-host-b');
  const auth = authenticator();
  const inv = await invite(a, 'Sam', 'agent');

  // Tenant A's invite on tenant B: refused.
  const onB = await staffCall(b.id, 'POST', '/staff/register/begin', { body: { invite: inv.secret } });
  assert.equal(onB.status, 401, JSON.stringify(onB.json));
  assert.match(onB.json.error.message, /invite link is not valid/);

  // Two registrations race for one invite: the first spends it.
  const begin1 = await staffCall(a.id, 'POST', '/staff/register/begin', { body: { invite: inv.secret } });
  const begin2 = await staffCall(a.id, 'POST', '/staff/register/begin', { body: { invite: inv.secret } });
  assert.equal(begin1.status, 200);
  assert.equal(begin2.status, 200);
  const made1 = auth.create(begin1.json.publicKey);
  const ok = await staffCall(a.id, 'POST', '/staff/register/finish', {
    body: { invite: inv.secret, challenge: begin1.json.publicKey.challenge, credential: made1.body },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  const made2 = auth.create(begin2.json.publicKey);
  const reused = await staffCall(a.id, 'POST', '/staff/register/finish', {
    body: { invite: inv.secret, challenge: begin2.json.publicKey.challenge, credential: made2.body },
  });
  assert.equal(reused.status, 401, JSON.stringify(reused.json));
  // And a new start with the spent invite.
  assert.equal((await staffCall(a.id, 'POST', '/staff/register/begin', { body: { invite: inv.secret } })).status, 401);
  // A registration challenge replayed.
  const replay = await staffCall(a.id, 'POST', '/staff/register/finish', {
    body: { invite: inv.secret, challenge: begin1.json.publicKey.challenge, credential: made1.body },
  });
  assert.equal(replay.status, 401);

  // A passkey made for another site (origin / RP id) is refused.
  const inv2 = await invite(a, 'Mallory', 'agent');
  const begin3 = await staffCall(a.id, 'POST', '/staff/register/begin', { body: { invite: inv2.secret } });
  const phished = auth.create(begin3.json.publicKey, { origin: 'https://evil.example', rpId: 'evil.example' });
  const refused = await staffCall(a.id, 'POST', '/staff/register/finish', {
    body: { invite: inv2.secret, challenge: begin3.json.publicKey.challenge, credential: phished.body },
  });
  assert.equal(refused.status, 401);
  assert.match(refused.json.error.message, /another site/);

  // A sign-in challenge replayed with a fresh, valid signature: refused (single use).
  const login = await signIn(a.id, auth, made1.credential.id);
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const again = auth.get({ challenge: login.challenge }, made1.credential.id);
  const replayed = await staffCall(a.id, 'POST', '/staff/signin/finish', { body: { challenge: login.challenge, credential: again } });
  assert.equal(replayed.status, 401);
  assert.match(replayed.json.error.message, /already used/);
  // A challenge never issued.
  const made = auth.get({ challenge: 'A'.repeat(43) }, made1.credential.id);
  assert.equal((await staffCall(a.id, 'POST', '/staff/signin/finish', { body: { challenge: 'A'.repeat(43), credential: made } })).status, 401);
  // Tenant A's passkey on tenant B.
  const cross = await signIn(b.id, auth, made1.credential.id);
  assert.equal(cross.status, 401);
});

test('hostile: sessions end on disable and revoke; forged, expired and other-tenant tokens; counter regression; lockout', async () => {
  const a = await createTenantWithKeys('staff-sess-a');
  const b = await createTenantWithKeys('staff-sess-b');
  const auth = authenticator();
  const inv = await invite(a, 'Sam', 'agent');
  const reg = await register(a.id, auth, inv.secret);
  const second = await signIn(a.id, auth, reg.credentialId);
  assert.equal(second.status, 200);

  // A's session on B: useless.
  assert.equal((await staffCall(b.id, 'GET', '/inbox', { cookie: reg.cookie })).status, 401);
  assert.equal((await staffCall(b.id, 'GET', '/inbox', { bearer: reg.cookie })).status, 401);
  // The bearer form works on A (tools).
  assert.equal((await staffCall(a.id, 'GET', '/inbox', { bearer: reg.cookie })).status, 200);

  // Forged: an agent promoting itself keeps the old signature.
  const [, body, sig] = reg.cookie.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url'));
  const promoted = `st1.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${sig}`;
  assert.equal((await staffCall(a.id, 'GET', '/config', { cookie: promoted })).status, 401);
  // Signed with the real key but expired.
  const expired = staffToken(MASTER, { ...claims, exp_ms: Date.now() - 1000 });
  const r = await staffCall(a.id, 'GET', '/inbox', { cookie: expired });
  assert.equal(r.status, 401);
  assert.match(r.json.error.message, /expired/);
  // Signed with the real key, valid, but naming a session that never existed.
  const unknown = staffToken(MASTER, { ...claims, sid: 'ss_nope' });
  assert.equal((await staffCall(a.id, 'GET', '/inbox', { cookie: unknown })).status, 401);
  // Even a real-key token claiming admin for an agent's live session: the role is read from
  // the member, not the token.
  const claimsAdmin = staffToken(MASTER, { ...claims, role: 'admin' });
  assert.equal((await staffCall(a.id, 'GET', '/config', { cookie: claimsAdmin })).status, 403);

  // Revoke: both sessions end at once; sign-in still works.
  const revoke = await admin(a, 'POST', `/v1/admin/tenants/${a.id}/staff/${inv.staff_id}/revoke`, {});
  assert.equal(revoke.status, 200, JSON.stringify(revoke.json));
  assert.equal(revoke.json.sessions_ended, 2);
  assert.equal((await staffCall(a.id, 'GET', '/inbox', { cookie: reg.cookie })).status, 401);
  assert.equal((await staffCall(a.id, 'GET', '/inbox', { cookie: second.cookie })).status, 401);
  const third = await signIn(a.id, auth, reg.credentialId);
  assert.equal(third.status, 200);

  // Counter regression: a signature whose counter is not above the stored one.
  const stale = await signIn(a.id, auth, reg.credentialId, { counter: 1 });
  assert.equal(stale.status, 401);
  assert.match(stale.json.error.message, /counter/);

  // Disable: the live session ends at once, and no new sign-in.
  assert.equal((await staffCall(a.id, 'GET', '/inbox', { cookie: third.cookie })).status, 200);
  const disable = await admin(a, 'POST', `/v1/admin/tenants/${a.id}/staff/${inv.staff_id}/disable`, {});
  assert.equal(disable.status, 200);
  assert.equal((await staffCall(a.id, 'GET', '/inbox', { cookie: third.cookie })).status, 401);
  const barred = await signIn(a.id, auth, reg.credentialId);
  assert.equal(barred.status, 401);
  assert.match(barred.json.error.message, /disabled/);
  // Another tenant's admin key cannot disable A's staff.
  assert.equal((await admin(b, 'POST', `/v1/admin/tenants/${b.id}/staff/${inv.staff_id}/disable`, {})).status, 404);

  // Lockout: ten failed sign-ins with one passkey, then 429 even with a good signature.
  const inv2 = await invite(a, 'Lee', 'agent');
  const lee = await register(a.id, auth, inv2.secret);
  for (let i = 0; i < 10; i += 1) {
    const begin = await staffCall(a.id, 'POST', '/staff/signin/begin', { body: {} });
    const bad = auth.get(begin.json.publicKey, lee.credentialId);
    bad.signature = auth.get({ challenge: 'B'.repeat(43) }, lee.credentialId).signature;
    const f = await staffCall(a.id, 'POST', '/staff/signin/finish', { body: { challenge: begin.json.publicKey.challenge, credential: bad } });
    assert.equal(f.status, 401, JSON.stringify(f.json));
  }
  const locked = await signIn(a.id, auth, lee.credentialId);
  assert.equal(locked.status, 429, JSON.stringify(locked.json));
});

test('a signed-in staff member adds another passkey and signs in with either; nobody else can add one for them', async () => {
  const t = await createTenantWithKeys('staff-passkeys');
  const phone = authenticator();
  const inv = await invite(t, 'Pat Agent', 'agent');
  const pat = await register(t.id, phone, inv.secret);
  const { cookie } = pat;
  const path = '/staff/passkeys';

  // Only a staff session starts it: no session, the admin key (no staff member), a bogus token.
  assert.equal((await staffCall(t.id, 'POST', `${path}/begin`, { body: {} })).status, 401);
  assert.equal((await admin(t, 'POST', `/v1/admin/tenants/${t.id}/staff/passkeys/begin`, {})).status, 401);
  assert.equal((await staffCall(t.id, 'POST', `${path}/begin`, { bearer: 'st1.forged.token', body: {} })).status, 401);
  assert.equal((await staffCall(t.id, 'GET', `${path}/begin`, { cookie })).status, 405);

  const begin = async (c = cookie) => {
    const r = await staffCall(t.id, 'POST', `${path}/begin`, { cookie: c, body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  const finish = (challenge, credential, c = cookie) =>
    staffCall(t.id, 'POST', `${path}/finish`, { cookie: c, body: { challenge, credential } });

  const first = await begin();
  // The same account on the authenticator, and the passkey Pat has is excluded.
  assert.equal(first.publicKey.user.id, pat.begin.publicKey.user.id);
  assert.deepEqual(first.publicKey.excludeCredentials, [{ type: 'public-key', id: pat.credentialId }]);
  assert.equal(first.publicKey.attestation, 'none');
  assert.deepEqual(first.staff, { name: 'Pat Agent', role: 'agent' });

  // Another member's session cannot finish Pat's ceremony (and spends the challenge).
  const laptop = authenticator();
  const lee = await register(t.id, authenticator(), (await invite(t, 'Lee Agent', 'agent')).secret);
  const stolen = await finish(first.publicKey.challenge, laptop.create(first.publicKey).body, lee.cookie);
  assert.equal(stolen.status, 401, JSON.stringify(stolen.json));
  assert.equal((await finish(first.publicKey.challenge, laptop.create(first.publicKey).body)).status, 401, 'spent');
  // A sign-in challenge is not a passkey challenge.
  const signinBegin = await staffCall(t.id, 'POST', '/staff/signin/begin', { body: {} });
  const wrongKind = await finish(signinBegin.json.publicKey.challenge, laptop.create(signinBegin.json.publicKey).body);
  assert.equal(wrongKind.status, 401);
  // A passkey made for another site is refused.
  const second = await begin();
  const phished = await finish(second.publicKey.challenge, laptop.create(second.publicKey, { origin: 'https://evil.example', rpId: 'evil.example' }).body);
  assert.equal(phished.status, 401, JSON.stringify(phished.json));

  const third = await begin();
  const made = laptop.create(third.publicKey);
  const added = await finish(third.publicKey.challenge, made.body);
  assert.equal(added.status, 201, JSON.stringify(added.json));
  assert.equal(added.json.credential_id, made.credential.id);
  assert.equal(added.json.passkeys, 2);
  assert.equal((await finish(third.publicKey.challenge, made.body)).status, 401, 'a replayed finish');

  // Either passkey signs Pat in; Lee's sessions never saw Pat's passkey.
  for (const [auth, id] of [[laptop, made.credential.id], [phone, pat.credentialId]]) {
    const login = await signIn(t.id, auth, id);
    assert.equal(login.status, 200, JSON.stringify(login.json));
    assert.equal(login.json.staff.id, inv.staff_id);
  }
  const list = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/staff`);
  assert.equal(list.json.members.find((m) => m.id === inv.staff_id).passkeys, 2);
  assert.equal(list.json.members.find((m) => m.id === lee.staff.id).passkeys, 1);
  const audit = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/audit?limit=50`);
  assert.ok(audit.json.entries.some((r) => r.action === 'staff.passkey_add' && r.actor === `staff:${inv.staff_id} (Pat Agent)`),
    JSON.stringify(audit.json.entries.map((r) => [r.action, r.actor])));

  // Ten passkeys at most.
  for (let n = 3; n <= 10; n += 1) {
    const b = await begin();
    const r = await finish(b.publicKey.challenge, authenticator().create(b.publicKey).body);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.passkeys, n);
  }
  const full = await staffCall(t.id, 'POST', `${path}/begin`, { cookie, body: {} });
  assert.equal(full.status, 422, JSON.stringify(full.json));
  assert.match(full.json.error.message, /most passkeys/);

  // A disabled member's session cannot add one, and none of their passkeys signs in.
  assert.equal((await admin(t, 'POST', `/v1/admin/tenants/${t.id}/staff/${inv.staff_id}/disable`, {})).status, 200);
  assert.equal((await staffCall(t.id, 'POST', `${path}/begin`, { cookie, body: {} })).status, 401);
  assert.equal((await signIn(t.id, laptop, made.credential.id)).status, 401);
});
