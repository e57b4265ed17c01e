// Inbox (issue 14): the live queue of conversations waiting for a person (polled), and one
// conversation at a time: the assistant's transcript with its cards, the AI's summary and the
// reason, then the live channel over the staff socket (docs/API.md "GET /v1/live"): replies,
// internal notes (shown as notes, never sent to the shopper), typing, take, hand back, close.

import { describeError } from './api.js';
import { $, clear, el, fmtTime, showError, toast } from './dom.js';

const POLL_MS = 3000;
const TYPING_EVERY_MS = 2000;
const randomId = (prefix) => `${prefix}-${Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => b.toString(36).padStart(2, '0')).join('').slice(0, 14)}`;

function minutes(ms) {
  if (ms == null) return '';
  const m = Math.floor(ms / 60000);
  return m < 1 ? 'under a minute' : `${m} min`;
}

/** Why a person was asked for (core handoff::Reason), in words. */
function reasonText(reason) {
  if (!reason || typeof reason !== 'object') return reason ? String(reason) : '—';
  if (reason.by === 'shopper') return 'The shopper asked for a person';
  if (reason.by === 'assistant') return `The assistant handed over: ${reason.reason}`;
  if (reason.by === 'rule' && reason.rule) {
    const r = reason.rule;
    if (r.rule === 'thumbs_down') return `Rule: ${r.count} answers marked unhelpful`;
    if (r.rule === 'verification_limit') return 'Rule: the order verification limit was reached';
    if (r.rule === 'keyword') return `Rule: keyword${r.keyword ? ` “${r.keyword}”` : ''}`;
    return `Rule: ${r.rule.replace(/_/g, ' ')}`;
  }
  return '—';
}

function blockView(block) {
  if (block.kind === 'products') {
    return el('ul', { class: 'inbox-cards', dataset: { block: 'products' } },
      ...(block.products || []).map((p) => el('li', { class: 'inbox-card' },
        el('strong', {}, p.title),
        p.price ? ` · ${p.price.amount ?? ''} ${p.price.currency ?? ''}` : '')));
  }
  if (block.kind === 'order') {
    const o = block.order || {};
    return el('div', { class: 'inbox-card', dataset: { block: 'order' } },
      el('strong', {}, `Order ${o.number}`), ` · ${String(o.status || '').replace(/_/g, ' ')}`,
      o.eta ? ` · ETA ${o.eta}` : '',
      ...(o.parcels || []).map((p) => el('div', {}, `${p.carrier || 'Parcel'}${p.tracking_number ? ` ${p.tracking_number}` : ''}`)));
  }
  if (block.kind === 'sources') {
    return el('p', { class: 'hint', dataset: { block: 'sources' } },
      `Sources: ${(block.sources || []).map((s) => s.title).join(', ')}`);
  }
  return null;
}

export class Inbox {
  constructor({ getClient, staffName }) {
    this.getClient = getClient;
    this.staffName = staffName;
    this.list = $('#inbox-list');
    this.error = $('#inbox-error');
    this.detail = $('#inbox-detail');
    this.visible = false;
    this.timer = null;
    this.current = null;
    this.socket = null;
    this.lastSeq = 0;
    this.seen = new Set();
    this.lastTyping = 0;
    this.typingTimer = null;

    $('#inbox-reply-form').addEventListener('submit', (e) => { e.preventDefault(); this.send(false); });
    $('#inbox-note-form').addEventListener('submit', (e) => { e.preventDefault(); this.send(true); });
    $('#inbox-reply-text').addEventListener('input', () => this.typing());
    $('#inbox-take').addEventListener('click', () => this.act('take'));
    $('#inbox-hand-back').addEventListener('click', () => this.act('hand-back'));
    $('#inbox-close').addEventListener('click', () => this.act('close'));
  }

  show(visible = true) {
    this.visible = visible;
    clearTimeout(this.timer);
    if (visible) this.poll();
  }

  reset() {
    this.show(false);
    this.closeSocket();
    this.current = null;
    clear(this.list);
    this.detail.hidden = true;
    showError(this.error, '');
  }

  async poll() {
    clearTimeout(this.timer);
    if (!this.visible) return;
    try {
      const answer = await this.getClient().inbox();
      this.renderList(answer.conversations || []);
      showError(this.error, '');
    } catch (err) {
      showError(this.error, describeError(err));
    }
    if (this.visible) this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  renderList(conversations) {
    clear(this.list);
    $('#inbox-empty').hidden = conversations.length > 0;
    for (const c of conversations) {
      const button = el('button', { type: 'button', class: 'conv-item', dataset: { id: c.conversation_id, state: c.state } },
        el('span', { class: 'conv-preview' }, c.summary || c.last_message || '(no summary)'),
        el('span', { class: 'conv-meta' },
          c.state === 'waiting' ? `Waiting ${minutes(c.waiting_ms)}` : `With ${c.owner || 'staff'}`,
          c.contact_email ? ` · ${c.contact_email}` : ''));
      if (this.current === c.conversation_id) button.setAttribute('aria-current', 'true');
      button.addEventListener('click', () => this.open(c));
      this.list.append(el('li', { dataset: { sk: 'inbox-item', state: c.state } }, button));
    }
  }

  async open(c) {
    this.closeSocket();
    this.current = c.conversation_id;
    this.lastSeq = 0;
    this.seen = new Set();
    for (const b of this.list.querySelectorAll('[aria-current]')) b.removeAttribute('aria-current');
    this.detail.hidden = false;
    $('#inbox-conv-id').textContent = c.conversation_id;
    $('#inbox-summary').textContent = c.summary || '—';
    $('#inbox-reason').textContent = reasonText(c.reason);
    this.setState(c.state, c.owner);
    const ai = clear($('#inbox-ai'));
    const live = clear($('#inbox-live'));
    try {
      const conv = await this.getClient().conversation(c.conversation_id);
      if (this.current !== c.conversation_id) return;
      for (const m of conv.messages || []) {
        const li = el('li', { class: `msg msg-${m.role === 'user' ? 'user' : 'assistant'}`, dataset: { role: m.role } },
          el('p', { class: 'msg-meta' }, `${m.role === 'user' ? 'Shopper' : 'Assistant'} · ${fmtTime(m.created_at_ms)}`),
          el('p', { class: 'msg-text' }, m.text));
        for (const block of m.blocks || []) {
          const view = blockView(block);
          if (view) li.append(view);
        }
        ai.append(li);
      }
    } catch (err) {
      if (err.status !== 404) ai.append(el('li', { class: 'form-error' }, describeError(err)));
    }
    this.connect(c.conversation_id);
  }

  /** The caller's audit actor (owner of what they took) and whether they may take over. */
  who() {
    const client = this.getClient();
    if (client.me) return { actor: client.me.actor, assign: Boolean(client.me.may && client.me.may.assign) };
    return { actor: `admin:${client.kid}`, assign: true };
  }

  setState(state, owner) {
    this.state = state;
    if (owner !== undefined) this.owner = owner;
    $('#inbox-state').textContent = state === 'human' && this.owner ? `with ${this.owner}` : state;
    $('#inbox-state').dataset.state = state;
    const { actor, assign } = this.who();
    // An admin may take a conversation a colleague owns ("Take over": assign).
    this.takeOver = state === 'human' && Boolean(this.owner) && this.owner !== actor && assign;
    $('#inbox-take').textContent = this.takeOver ? 'Take over' : 'Take';
    $('#inbox-take').disabled = (state === 'human' && !this.takeOver) || state === 'closed';
    $('#inbox-hand-back').disabled = state === 'ai' || state === 'closed';
    $('#inbox-close').disabled = state === 'closed';
  }

  async connect(id, attempt = 0) {
    if (this.current !== id) return;
    let ticket;
    try {
      ticket = await this.getClient().liveTicket(id, this.staffName());
    } catch (err) {
      showError(this.error, describeError(err));
      return;
    }
    if (this.current !== id) return;
    const url = `${location.origin.replace(/^http/, 'ws')}${ticket.url}`;
    const ws = new WebSocket(url);
    this.socket = ws;
    ws.addEventListener('open', () => {
      ws.send(JSON.stringify({ type: 'resume', after: this.lastSeq }));
      $('#inbox-live-status').textContent = 'Live';
    });
    ws.addEventListener('message', (e) => {
      let frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      this.onFrame(frame);
    });
    ws.addEventListener('close', () => {
      if (this.socket !== ws) return;
      this.socket = null;
      $('#inbox-live-status').textContent = 'Reconnecting…';
      const delay = Math.min(10000, 500 * 2 ** attempt);
      setTimeout(() => this.connect(id, attempt + 1), delay);
    });
  }

  closeSocket() {
    const ws = this.socket;
    this.socket = null;
    if (ws) ws.close(1000, 'closed by staff');
    $('#inbox-live-status').textContent = '';
  }

  onFrame(frame) {
    if (frame.type === 'message') this.addEntry(frame);
    else if (frame.type === 'state') {
      this.setState(frame.state, frame.owner);
      this.poll();
    } else if (frame.type === 'typing' && frame.role === 'shopper') {
      const t = $('#inbox-typing');
      t.hidden = false;
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => { t.hidden = true; }, 4000);
    } else if (frame.type === 'error') {
      showError(this.error, frame.message || frame.code);
    }
  }

  addEntry(entry) {
    if (this.seen.has(entry.seq)) return;
    this.seen.add(entry.seq);
    this.lastSeq = Math.max(this.lastSeq, entry.seq);
    const who = entry.author === 'staff' ? (entry.name || 'Staff') : entry.author === 'shopper' ? 'Shopper' : entry.author === 'assistant' ? 'Assistant' : 'Notice';
    const kind = entry.internal ? 'note' : entry.author;
    const li = el('li', { class: `msg msg-${kind}`, dataset: { sk: 'live-entry', author: entry.author, internal: String(Boolean(entry.internal)), seq: String(entry.seq) } },
      el('p', { class: 'msg-meta' }, `${entry.internal ? 'Internal note · ' : ''}${who} · ${fmtTime(entry.at_ms)}`),
      el('p', { class: 'msg-text' }, entry.text));
    const live = $('#inbox-live');
    // Entries arrive in seq order; a late one (after a resend) still lands in place.
    const after = Array.from(live.children).find((n) => Number(n.dataset.seq) > entry.seq);
    live.insertBefore(li, after || null);
    if (entry.author === 'shopper') $('#inbox-typing').hidden = true;
  }

  typing() {
    const now = Date.now();
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || now - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = now;
    this.socket.send(JSON.stringify({ type: 'typing' }));
  }

  async send(note) {
    const input = note ? $('#inbox-note-text') : $('#inbox-reply-text');
    const text = input.value.trim();
    if (!text || !this.current) return;
    const button = note ? $('#inbox-note-send') : $('#inbox-send');
    button.disabled = true;
    try {
      const client = this.getClient();
      const id = randomId(note ? 'n' : 'r');
      const answer = note
        ? await client.note(this.current, text, id, this.staffName())
        : await client.reply(this.current, text, id, this.staffName());
      if (answer && answer.entry) this.addEntry(answer.entry);
      input.value = '';
      showError(this.error, '');
    } catch (err) {
      showError(this.error, err.code === 'not_now' ? 'Take the conversation first: only its owner may reply.' : describeError(err));
    } finally {
      button.disabled = false;
    }
  }

  async act(action) {
    if (!this.current) return;
    try {
      const client = this.getClient();
      const answer = action === 'take' ? await client.take(this.current, Boolean(this.takeOver))
        : action === 'hand-back' ? await client.handBack(this.current)
          : await client.closeConversation(this.current);
      this.setState(answer.state, action === 'take' ? this.who().actor : answer.owner);
      toast(action === 'take' ? 'You took the conversation.' : action === 'hand-back' ? 'Handed back to the assistant.' : 'Conversation closed.');
      this.poll();
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }
}
