// Plumbing for the handoff tests (issue 14): admin-signed staff calls, live tickets and a live
// socket client written from docs/API.md's socket protocol (resume, client ids, sequence
// numbers), independently of the gateway's Rust code.
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { adminSignature } from './signing.mjs';

export const WS = globalThis.WebSocket ?? (await import('ws')).default;
const random = (n = 10) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
export const clientId = (prefix = 'c') => `${prefix}-${random(12)}`;

/** A shopper route call with the session token and the gateway's own origin. */
export async function shopper(method, path, token, body) {
  const headers = { origin: GATEWAY };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* a stream */ }
  return { status: response.status, json, text };
}

// The gateway refuses a signature it has seen (replay guard). Identical requests within one
// second (a staff socket reconnecting twice) would sign identically, so each repeat is signed
// one second later than the last (well inside the ±300 s window).
const lastTs = new Map();

/** An admin-signed call of tenant `t` (from createTenantWithKeys). */
export async function admin(t, method, path, body) {
  const json = body === undefined ? '' : JSON.stringify(body);
  const key = `${t.admin.secret_hex}|${method}|${path}|${json}`;
  const ts = Math.max(Math.floor(Date.now() / 1000), (lastTs.get(key) ?? 0) + 1);
  lastTs.set(key, ts);
  const headers = { 'shopkeep-signature': adminSignature(t.admin.secret_hex, { method, pathAndQuery: path, body: json, ts }) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}${path}`, { method, headers, body: body === undefined ? undefined : json });
  const text = await response.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* empty */ }
  return { status: response.status, json: parsed };
}

/** Changes tenant `t`'s config through the admin API. */
export async function putConfig(t, change) {
  const current = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/config`);
  assert.equal(current.status, 200);
  const config = current.json.config;
  change(config);
  const saved = await admin(t, 'PUT', `/v1/admin/tenants/${t.id}/config`, config);
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  return config;
}

/** The staff routes of conversation `c`. */
export const staffPath = (t, c, action) => `/v1/admin/tenants/${t.id}/conversations/${c}/${action}`;

/** A shopper's live ticket. */
export async function shopperTicket(token) {
  const r = await shopper('POST', '/v1/live/ticket', token);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.ticket;
}

/** A staff live ticket for conversation `c`. */
export async function staffTicket(t, c, name = 'Sam') {
  const r = await admin(t, 'POST', staffPath(t, c, 'live/ticket'), { name });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.ticket;
}

export const liveUrl = (ticket) => `${GATEWAY.replace(/^http/, 'ws')}/v1/live?ticket=${encodeURIComponent(ticket)}`;

/**
 * Opens a raw socket; resolves { ws, frames, closed } once open (or rejects when the upgrade
 * is refused). `frames` collects parsed frames, `closed` resolves with { code, reason }.
 */
export function rawSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WS(url);
    const frames = [];
    let onClose;
    const closed = new Promise((r) => { onClose = r; });
    ws.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data))));
    ws.addEventListener('close', (event) => onClose({ code: event.code, reason: event.reason }));
    ws.addEventListener('open', () => resolve({ ws, frames, closed }));
    ws.addEventListener('error', () => reject(new Error(`socket refused: ${url.slice(0, 60)}…`)));
  });
}

/**
 * A live-channel client as a widget or console would write it: it remembers the last
 * sequence number, resumes after it on every (re)connect, ignores nothing silently (it counts
 * frames at or below its last number), and resends unacknowledged messages with their
 * client ids after a reconnect.
 */
export class LiveClient {
  constructor(getTicket) {
    this.getTicket = getTicket;
    this.lastSeq = 0;
    this.log = []; // every entry received, in arrival order, each seq once
    this.repeats = 0; // entries received again at or below lastSeq (resend acknowledgements)
    this.states = [];
    this.errors = [];
    this.pending = new Map(); // client_id -> text, until its entry arrives
    this.waiters = [];
  }

  async connect() {
    const ticket = await this.getTicket();
    const { ws, closed } = await rawSocket(liveUrl(ticket)).catch(async (e) => {
      throw e;
    });
    this.ws = ws;
    this.closed = closed;
    // Frames collected by rawSocket are ignored; this client handles its own.
    ws.addEventListener('message', (event) => this.onFrame(JSON.parse(String(event.data))));
    ws.send(JSON.stringify({ type: 'resume', after: this.lastSeq }));
    for (const [id, text] of this.pending) ws.send(JSON.stringify({ type: 'message', client_id: id, text }));
  }

  onFrame(frame) {
    if (frame.type === 'message') {
      if (frame.seq <= this.lastSeq) {
        this.repeats += 1;
      } else {
        this.lastSeq = frame.seq;
        frame.received_at = performance.now();
        this.log.push(frame);
      }
      if (frame.client_id) this.pending.delete(frame.client_id);
    } else if (frame.type === 'state') {
      this.states.push(frame);
    } else if (frame.type === 'error') {
      this.errors.push(frame);
    }
    this.waiters = this.waiters.filter((w) => !w());
  }

  send(text, id = clientId()) {
    this.pending.set(id, text);
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify({ type: 'message', client_id: id, text }));
    return id;
  }

  async reconnect() {
    await this.close();
    await this.connect();
  }

  async close() {
    if (this.ws && this.ws.readyState <= 1) {
      this.ws.close(1000, 'bye');
      await this.closed;
    }
  }

  /** Resolves once `check()` holds (checked after every frame), or fails after `ms`. */
  until(check, ms = 15_000, what = 'frame') {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push(() => {
        if (!check()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      });
    });
  }

  texts(author) {
    return this.log.filter((e) => !author || e.author === author).map((e) => e.text);
  }
}
