// Staff sign-in with a passkey (docs/API.md "Staff accounts"): WebAuthn ceremonies against
// the gateway, and a client whose requests ride on the staff session cookie (HttpOnly: this
// page never sees the token) instead of an admin signature.

import { AdminClient, ApiError, TENANT_RE } from './api.js';

function fromB64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toB64url(buffer) {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * One same-origin request with the staff session cookie: a JSON body (or `raw` with its
 * `contentType`), the answer's JSON (`null` when empty or not JSON), an ApiError when refused.
 */
async function send(url, method, { body, raw, contentType } = {}) {
  const sendsBody = raw !== undefined || body !== undefined;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: sendsBody ? { 'Content-Type': contentType || 'application/json' } : {},
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, null, 'Cannot reach the gateway. Check your connection and try again.');
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const call = (tenant, method, suffix, body) =>
  send(`/v1/admin/tenants/${encodeURIComponent(tenant)}${suffix}`, method, { body });

/** Whether this browser can use passkeys at all. */
export const passkeysSupported = () => typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials);

/**
 * Runs `navigator.credentials.create` with the options a `begin` answered (base64url fields
 * turned into bytes) and returns the new passkey as the gateway's `finish` takes it.
 */
async function createPasskey(pk) {
  const publicKey = {
    ...pk,
    challenge: fromB64url(pk.challenge),
    user: { ...pk.user, id: fromB64url(pk.user.id) },
  };
  // The passkeys the member has already: an authenticator holding one declines to make another.
  if (Array.isArray(pk.excludeCredentials)) {
    publicKey.excludeCredentials = pk.excludeCredentials.map((c) => ({ ...c, id: fromB64url(c.id) }));
  }
  const credential = await navigator.credentials.create({ publicKey });
  if (!credential) throw new Error('No passkey was created.');
  return {
    id: credential.id,
    clientDataJSON: toB64url(credential.response.clientDataJSON),
    attestationObject: toB64url(credential.response.attestationObject),
  };
}

/** Registers a passkey for an invite; the gateway answers with a session (cookie). */
export async function registerPasskey(tenant, invite) {
  const begin = await call(tenant, 'POST', '/staff/register/begin', { invite });
  const credential = await createPasskey(begin.publicKey);
  return call(tenant, 'POST', '/staff/register/finish', { invite, challenge: begin.publicKey.challenge, credential });
}

/**
 * Adds another passkey (this device, a security key) for the signed-in staff member of
 * `tenant`; resolves to `{ok, credential_id, passkeys}` (how many they have now).
 */
export async function addPasskey(tenant) {
  const begin = await call(tenant, 'POST', '/staff/passkeys/begin', {});
  const credential = await createPasskey(begin.publicKey);
  return call(tenant, 'POST', '/staff/passkeys/finish', { challenge: begin.publicKey.challenge, credential });
}

/** Signs in with a passkey of this shop (the browser offers the ones it has). */
export async function signInWithPasskey(tenant) {
  const begin = await call(tenant, 'POST', '/staff/signin/begin', {});
  const pk = begin.publicKey;
  const credential = await navigator.credentials.get({
    publicKey: { ...pk, challenge: fromB64url(pk.challenge) },
  });
  if (!credential) throw new Error('No passkey was chosen.');
  const r = credential.response;
  return call(tenant, 'POST', '/staff/signin/finish', {
    challenge: pk.challenge,
    credential: {
      id: credential.id,
      clientDataJSON: toB64url(r.clientDataJSON),
      authenticatorData: toB64url(r.authenticatorData),
      signature: toB64url(r.signature),
      userHandle: r.userHandle ? toB64url(r.userHandle) : null,
    },
  });
}

/** Who the staff session of `tenant` is (rejects with 401 when there is none). */
export const staffMe = (tenant) => call(tenant, 'GET', '/staff/me');

/** Ends the staff session of `tenant` and clears its cookie. */
export const staffSignOut = (tenant) => call(tenant, 'POST', '/staff/signout');

/**
 * The console's client for a staff session: the same calls as AdminClient, sent with the
 * session cookie and no signature.
 */
export class StaffClient {
  constructor({ tenant, me }) {
    if (!TENANT_RE.test(tenant)) throw new Error('The tenant id is not valid.');
    this.tenant = tenant;
    this.me = me;
    this.origin = location.origin;
  }

  base(suffix = '') {
    return `/v1/admin/tenants/${encodeURIComponent(this.tenant)}${suffix}`;
  }

  async request(method, path, { query, body, raw, contentType } = {}) {
    const url = new URL(path, this.origin);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
    return send(url, method, { body, raw, contentType });
  }
}
// Every convenience call of AdminClient (getConfig, inbox, take, …) works unchanged.
Object.setPrototypeOf(StaffClient.prototype, AdminClient.prototype);
