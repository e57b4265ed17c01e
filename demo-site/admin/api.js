// Signed admin API client (docs/API.md "Admin API").
//
// Every request carries `Shopkeep-Signature: kid=<kid>,ts=<unix s>,sig=<base64url, no padding>`
// where sig = HMAC-SHA256(key, "shopkeep-admin-v1\n" + ts + "\n" + METHOD + "\n" +
// path_and_query + "\n" + hex(SHA-256(body))). The key is the 32 bytes of the admin secret; it is
// imported as a non-extractable WebCrypto key and never sent anywhere.

const enc = new TextEncoder();

/** An error answer of the gateway (or a network failure: status 0). */
export class ApiError extends Error {
  constructor(status, body, fallback) {
    const e = (body && body.error) || {};
    super(e.message || fallback || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'unknown');
    this.retryable = Boolean(e.retryable);
    this.fields = Array.isArray(e.fields) ? e.fields : [];
  }
}

export const TENANT_RE = /^[a-z][a-z0-9-]{1,63}$/;
export const KID_RE = /^[A-Za-z0-9_-]{1,32}$/;
export const SECRET_RE = /^[0-9a-fA-F]{64}$/;

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64url(buffer) {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The canonical string a request signs. Exported for tests and docs. */
export function canonical(ts, method, pathAndQuery, bodyHashHex) {
  return `shopkeep-admin-v1\n${ts}\n${method}\n${pathAndQuery}\n${bodyHashHex}`;
}

export class AdminClient {
  /**
   * @param {{tenant: string, kid: string, secretHex: string, origin?: string}} creds
   */
  constructor({ tenant, kid, secretHex, origin }) {
    if (!TENANT_RE.test(tenant)) throw new Error('The tenant id is not valid.');
    if (!KID_RE.test(kid)) throw new Error('The key id is not valid.');
    if (!SECRET_RE.test(secretHex)) throw new Error('The secret must be 64 hexadecimal characters.');
    this.tenant = tenant;
    this.kid = kid;
    this.origin = origin || location.origin;
    // Seconds to add to the local clock (learned from the gateway's Date header on a stale
    // timestamp), so a slightly wrong computer clock does not lock the owner out.
    this.clockOffset = 0;
    // Signatures are accepted once: never sign the same (ts, method, path, body) twice.
    this.used = new Map();
    this.keyPromise = crypto.subtle.importKey(
      'raw', hexToBytes(secretHex), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'],
    );
  }

  /** `/v1/admin/tenants/<tenant>` + suffix. */
  base(suffix = '') {
    return `/v1/admin/tenants/${encodeURIComponent(this.tenant)}${suffix}`;
  }

  async signatureFor(method, pathAndQuery, bodyText) {
    const bodyHash = toHex(await crypto.subtle.digest('SHA-256', enc.encode(bodyText)));
    const key = await this.keyPromise;
    let ts;
    for (;;) {
      ts = Math.floor(Date.now() / 1000) + this.clockOffset;
      const id = `${ts}\n${method}\n${pathAndQuery}\n${bodyHash}`;
      // Check-and-remember without an await in between: two identical calls in the same
      // second cannot both take the same timestamp.
      if (!this.used.has(id)) {
        this.used.set(id, ts);
        break;
      }
      await sleep(1000 - (Date.now() % 1000) + 5);
    }
    for (const [id, t] of this.used) if (t < ts - 10) this.used.delete(id);
    const sig = await crypto.subtle.sign('HMAC', key, enc.encode(canonical(ts, method, pathAndQuery, bodyHash)));
    return `kid=${this.kid},ts=${ts},sig=${base64url(sig)}`;
  }

  /**
   * Sends a signed request. `path` may carry a query; `query` (an object) is appended, with
   * empty values left out. Resolves to the parsed JSON answer; rejects with ApiError.
   */
  async request(method, path, { query, body, raw, contentType } = {}) {
    const url = new URL(path, this.origin);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
    const pathAndQuery = url.pathname + url.search;
    // `raw` (a string sent as is with `contentType`) is for the catalog's CSV upload.
    const bodyText = raw !== undefined ? raw : body === undefined ? '' : JSON.stringify(body);
    const sendsBody = raw !== undefined || body !== undefined;
    for (let attempt = 0; ; attempt += 1) {
      const headers = { 'Shopkeep-Signature': await this.signatureFor(method, pathAndQuery, bodyText) };
      if (sendsBody) headers['Content-Type'] = contentType || 'application/json';
      let response;
      try {
        response = await fetch(url, {
          method, headers, body: sendsBody ? bodyText : undefined, cache: 'no-store', credentials: 'omit',
        });
      } catch (e) {
        throw new ApiError(0, null, 'Cannot reach the gateway. Check your connection and try again.');
      }
      let data = null;
      const text = await response.text();
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (response.ok) return data;
      const err = new ApiError(response.status, data);
      // A stale timestamp: learn the gateway's clock from its Date header and retry once.
      if (attempt === 0 && err.code === 'invalid_signature' && /timestamp/i.test(err.message)) {
        const server = Date.parse(response.headers.get('Date') || '');
        if (Number.isFinite(server)) {
          this.clockOffset = Math.round((server - Date.now()) / 1000);
          err.clockSkewSeconds = this.clockOffset;
          if (Math.abs(this.clockOffset) > 2) continue;
        }
      }
      throw err;
    }
  }

  getConfig() { return this.request('GET', this.base('/config')); }
  putConfig(config) { return this.request('PUT', this.base('/config'), { body: config }); }
  conversations({ q, cursor, limit = 25 } = {}) {
    return this.request('GET', this.base('/conversations'), { query: { q, limit, cursor } });
  }
  conversation(id) { return this.request('GET', this.base(`/conversations/${encodeURIComponent(id)}`)); }
  analytics({ fromMs, toMs } = {}) {
    return this.request('GET', this.base('/analytics'), { query: { from_ms: fromMs, to_ms: toMs } });
  }
  audit({ before, limit = 50 } = {}) { return this.request('GET', this.base('/audit'), { query: { limit, before } }); }
  exportUser(userId) { return this.request('POST', this.base('/privacy/export'), { body: { user_id: userId } }); }
  catalog() { return this.request('GET', this.base('/catalog')); }
  putCatalogSource(source) { return this.request('PUT', this.base('/catalog/source'), { body: source }); }
  deleteCatalogSource() { return this.request('DELETE', this.base('/catalog/source')); }
  syncCatalog(full = true) { return this.request('POST', this.base('/catalog/sync'), { body: { full } }); }
  uploadCatalog(text, contentType) { return this.request('POST', this.base('/catalog/upload'), { raw: text, contentType }); }
  searchCatalog(args) { return this.request('POST', this.base('/catalog/search'), { body: args }); }
  eraseUser(userId) { return this.request('POST', this.base('/privacy/erase'), { body: { user_id: userId } }); }

  // Inbox (docs/API.md "Staff routes").
  inbox() { return this.request('GET', this.base('/inbox')); }
  conversationAction(id, action, body = {}) {
    return this.request('POST', this.base(`/conversations/${encodeURIComponent(id)}/${action}`), { body });
  }
  take(id, assign = false) { return this.conversationAction(id, 'take', { assign }); }
  reply(id, text, clientId, name) { return this.conversationAction(id, 'messages', { text, client_id: clientId, name }); }
  note(id, text, clientId, name) { return this.conversationAction(id, 'notes', { text, client_id: clientId, name }); }
  handBack(id) { return this.conversationAction(id, 'hand-back'); }
  closeConversation(id) { return this.conversationAction(id, 'close'); }
  liveTicket(id, name) { return this.conversationAction(id, 'live/ticket', { name }); }

  // Webhooks (docs/API.md "Webhooks").
  webhooks() { return this.request('GET', this.base('/webhooks')); }
  addWebhook(endpoint) { return this.request('POST', this.base('/webhooks'), { body: endpoint }); }
  removeWebhook(id) { return this.request('DELETE', this.base(`/webhooks/${encodeURIComponent(id)}`)); }
  webhookDeliveries() { return this.request('GET', this.base('/webhooks/deliveries')); }
  retryDelivery(id) {
    return this.request('POST', this.base(`/webhooks/deliveries/${encodeURIComponent(id)}/retry`), { body: {} });
  }

  // Staff accounts (admins only).
  staff() { return this.request('GET', this.base('/staff')); }
  inviteStaff(name, role) { return this.request('POST', this.base('/staff/invites'), { body: { name, role } }); }
  disableStaff(id) { return this.request('POST', this.base(`/staff/${encodeURIComponent(id)}/disable`), { body: {} }); }
  revokeStaff(id) { return this.request('POST', this.base(`/staff/${encodeURIComponent(id)}/revoke`), { body: {} }); }
}

/** A plain-words explanation of an ApiError for the owner. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return err && err.message ? err.message : String(err);
  if (err.code === 'invalid_signature') {
    let hint = `${err.message} Check the tenant id, key id and secret.`;
    if (/timestamp/i.test(err.message)) {
      hint = `${err.message} Your computer's clock seems to be off${err.clockSkewSeconds ? ` by about ${Math.abs(err.clockSkewSeconds)} s` : ''}: `
        + 'set it to update automatically and try again.';
    } else if (/already used/i.test(err.message)) {
      hint = `${err.message} Please try again.`;
    } else if (/unknown or retired/i.test(err.message)) {
      hint = `${err.message} The key may have been rotated: use the newest admin key.`;
    }
    return hint;
  }
  if (err.code === 'forbidden') return `${err.message}`;
  if (err.code === 'unauthorized' && /staff session|passkey|invite/i.test(err.message)) return err.message;
  if (err.code === 'tenant_not_found') return 'There is no shop with this tenant id.';
  if (err.code === 'not_found' && /no such resource/i.test(err.message)) {
    return 'This feature is not available on this gateway yet.';
  }
  if (err.code === 'rate_limited') return 'Too many requests: wait a moment and try again.';
  return err.message;
}
