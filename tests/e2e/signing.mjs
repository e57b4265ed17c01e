// The shop's and the operator's side of Shopkeep's signatures, written independently of the
// gateway's Rust code from docs/API.md and docs/SECURITY.md: identity tokens (HS256 JWT),
// admin request signatures, and (with the master secret, for tests only) session tokens.
import { createHash, createHmac } from 'node:crypto';

export const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** An HS256 JWT as a shop's server makes it. `header` overrides go into the JOSE header. */
export function identityToken(secretHex, claims, { kid = 'i1', header = {}, alg = 'HS256' } = {}) {
  const h = b64url(JSON.stringify({ alg, typ: 'JWT', kid, ...header }));
  const p = b64url(JSON.stringify(claims));
  const sig = alg === 'none' ? '' : b64url(createHmac('sha256', Buffer.from(secretHex, 'hex')).update(`${h}.${p}`).digest());
  return `${h}.${p}.${sig}`;
}

/** The `Shopkeep-Signature` header for an admin request. */
export function adminSignature(secretHex, { kid = 'a1', method, pathAndQuery, body = '', ts = Math.floor(Date.now() / 1000) }) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const signed = `shopkeep-admin-v1\n${ts}\n${method}\n${pathAndQuery}\n${bodyHash}`;
  const sig = b64url(createHmac('sha256', Buffer.from(secretHex, 'hex')).update(signed).digest());
  return `kid=${kid},ts=${ts},sig=${sig}`;
}

/** A tenant key derived from the master secret, as the gateway derives it. */
export function deriveKey(masterSecret, tenantId, purpose, kid) {
  return createHmac('sha256', masterSecret).update(`shopkeep/v1/${purpose}/${tenantId}/${kid}`).digest();
}

/** A session token signed with the real derived key (tests forge expired ones with it). */
export function sessionToken(masterSecret, claims, kid = 's1') {
  const payload = b64url(JSON.stringify({ t: claims.tenant_id, kid, s: claims.session_id, c: claims.conversation_id,
    o: claims.origin, iat: claims.issued_at_ms, exp: claims.expires_at_ms }));
  const signed = `v1.${payload}`;
  const key = deriveKey(masterSecret, claims.tenant_id, 'session', kid);
  return `${signed}.${b64url(createHmac('sha256', key).update(signed).digest())}`;
}
