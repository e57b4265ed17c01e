// Plumbing for the staff-account tests (issue 14, staff side): a software passkey
// authenticator (ES256, `none` attestation, CBOR written here from the WebAuthn spec,
// independently of the gateway's Rust code) and the invite → register → sign-in calls.
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { GATEWAY } from './helpers.mjs';
import { admin } from './handoff-helpers.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const sha256 = (data) => createHash('sha256').update(data).digest();

// --- a minimal CBOR encoder (major types 0, 1, 2, 3, 5: all a `none` attestation needs) ---

function head(major, n) {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** CBOR of numbers, byte strings (Buffer), text and Maps (insertion order kept). */
export function cbor(value) {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Map) {
    const parts = [head(5, value.size)];
    for (const [k, v] of value) parts.push(cbor(k), cbor(v));
    return Buffer.concat(parts);
  }
  throw new Error(`cbor: unsupported ${typeof value}`);
}

/**
 * A software authenticator for one relying party: one P-256 passkey per `create`, a
 * signature counter per passkey (settable, to test the counter regression).
 */
export class SoftAuthenticator {
  constructor({ rpId, origin }) {
    this.rpId = rpId;
    this.origin = origin;
    this.credentials = new Map();
  }

  clientData(type, challenge, extra = {}) {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false, ...extra }));
  }

  authData(flags, counter, attested) {
    const head = Buffer.alloc(37);
    sha256(this.rpId).copy(head, 0);
    head[32] = flags;
    head.writeUInt32BE(counter, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }

  /** What `navigator.credentials.create` posts back, for `options.publicKey`. */
  create(publicKey, { origin, rpId, flags = 0x45 } = {}) {
    const { privateKey, publicKey: pub } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pub.export({ format: 'jwk' });
    const id = randomBytes(16);
    const cose = cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(id.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLen, id, cose]);
    const saved = { rpId: this.rpId, origin: this.origin };
    if (rpId) this.rpId = rpId;
    if (origin) this.origin = origin;
    const authData = this.authData(flags, 0, attested);
    const clientDataJSON = this.clientData('webauthn.create', publicKey.challenge);
    Object.assign(this, saved);
    const attestationObject = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const credential = { id: b64url(id), privateKey, counter: 0, userHandle: publicKey.user?.id };
    this.credentials.set(credential.id, credential);
    return {
      credential,
      body: { id: credential.id, clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject) },
    };
  }

  /** What `navigator.credentials.get` posts back, signed with passkey `id`. */
  get(publicKey, id, { counter, challenge } = {}) {
    const credential = this.credentials.get(id);
    credential.counter = counter ?? credential.counter + 1;
    const authData = this.authData(0x05, credential.counter);
    const clientDataJSON = this.clientData('webauthn.get', challenge ?? publicKey.challenge);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id,
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authData),
      signature: b64url(signature),
      userHandle: credential.userHandle ?? null,
    };
  }
}

/** The authenticator for the gateway under test (the console's origin is the gateway's). */
export function authenticator() {
  const url = new URL(GATEWAY);
  return new SoftAuthenticator({ rpId: url.hostname, origin: url.origin });
}

/** A staff route call: `cookie` is the session cookie's value (or none). */
export async function staffCall(tenantId, method, path, { cookie, bearer, body } = {}) {
  const headers = {};
  if (cookie) headers.cookie = `shopkeep_staff=${cookie}`;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}/v1/admin/tenants/${tenantId}${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* empty */ }
  const setCookie = response.headers.get('set-cookie') ?? '';
  const match = /shopkeep_staff=([^;]*)/.exec(setCookie);
  return { status: response.status, json, setCookie, cookie: match ? match[1] : null };
}

/** An admin-signed invite of tenant `t`; returns the answer (secret, url, staff_id, …). */
export async function invite(t, name = 'Sam', role = 'agent') {
  const r = await admin(t, 'POST', `/v1/admin/tenants/${t.id}/staff/invites`, { name, role });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

/** Registers a passkey for an invite: { cookie, credentialId, staff, begin }. */
export async function register(tenantId, auth, secret) {
  const begin = await staffCall(tenantId, 'POST', '/staff/register/begin', { body: { invite: secret } });
  assert.equal(begin.status, 200, JSON.stringify(begin.json));
  const made = auth.create(begin.json.publicKey);
  const finish = await staffCall(tenantId, 'POST', '/staff/register/finish', {
    body: { invite: secret, challenge: begin.json.publicKey.challenge, credential: made.body },
  });
  assert.equal(finish.status, 200, JSON.stringify(finish.json));
  assert.ok(finish.cookie, `no session cookie: ${finish.setCookie}`);
  return { cookie: finish.cookie, credentialId: made.credential.id, staff: finish.json.staff, begin: begin.json };
}

/** Signs in with passkey `credentialId`; returns the raw answer (status, json, cookie). */
export async function signIn(tenantId, auth, credentialId, options = {}) {
  const begin = await staffCall(tenantId, 'POST', '/staff/signin/begin', { body: {} });
  assert.equal(begin.status, 200, JSON.stringify(begin.json));
  const assertion = auth.get(begin.json.publicKey, credentialId, options);
  const finish = await staffCall(tenantId, 'POST', '/staff/signin/finish', {
    body: { challenge: begin.json.publicKey.challenge, credential: assertion },
  });
  return { ...finish, challenge: begin.json.publicKey.challenge, assertion };
}

/** A staff session token signed with the real derived key (forged expiries in tests). */
export function staffToken(masterSecret, claims) {
  const key = createHmac('sha256', masterSecret).update(`shopkeep/v1/staff/${claims.tenant_id}`).digest();
  const signed = `st1.${b64url(JSON.stringify(claims))}`;
  return `${signed}.${b64url(createHmac('sha256', key).update(signed).digest())}`;
}
