// Conversations: search (q), paging (the opaque cursor = next_cursor), transcript with feedback
// and what each answer showed besides its text (product cards, sources, order cards).

import { describeError } from './api.js';
import { $, clear, el, fmtTime, showError } from './dom.js';

export class Conversations {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.list = $('#conv-list');
    this.more = $('#conv-more');
    this.error = $('#conv-error');
    this.transcript = $('#transcript');
    this.query = '';
    this.nextCursor = null;
    this.loading = false;
    this.loaded = false;
    this.selected = null;

    $('#conv-search').addEventListener('submit', (e) => {
      e.preventDefault();
      this.query = $('#conv-q').value.trim();
      this.reload();
    });
    this.more.addEventListener('click', () => this.page());
  }

  show() {
    if (!this.loaded) this.reload();
  }

  reset() {
    this.loaded = false;
    this.query = '';
    $('#conv-q').value = '';
    clear(this.list);
    this.more.hidden = true;
    $('#conv-empty').hidden = true;
    showError(this.error, '');
    clear(this.transcript).append(el('p', { class: 'hint' }, 'Choose a conversation to read its transcript.'));
  }

  async reload() {
    clear(this.list);
    this.nextCursor = null;
    this.loaded = true;
    await this.page();
  }

  async page() {
    if (this.loading) return;
    this.loading = true;
    this.more.disabled = true;
    this.list.setAttribute('aria-busy', 'true');
    showError(this.error, '');
    const firstNew = this.list.children.length;
    try {
      const answer = await this.getClient().conversations({ q: this.query, cursor: this.nextCursor });
      for (const c of answer.conversations || []) this.list.append(this.item(c));
      this.nextCursor = answer.next_cursor ?? null;
      this.more.hidden = this.nextCursor === null;
      $('#conv-empty').hidden = this.list.children.length > 0;
      $('#conv-empty').textContent = this.query ? `No conversation mentions “${this.query}”.` : 'No conversations yet.';
      // Keyboard users who asked for more land on the first new entry.
      if (firstNew > 0 && this.list.children[firstNew]) this.list.children[firstNew].querySelector('button').focus();
    } catch (err) {
      this.loaded = false;
      showError(this.error, describeError(err));
    } finally {
      this.loading = false;
      this.more.disabled = false;
      this.list.removeAttribute('aria-busy');
    }
  }

  item(c) {
    const who = c.user_id ? `Customer ${c.user_id}` : 'Anonymous shopper';
    const button = el('button', { type: 'button', class: 'conv-item', dataset: { id: c.id } },
      el('span', { class: 'conv-preview' }, c.preview || '(no text)'),
      el('span', { class: 'conv-meta' }, `${who} · ${c.message_count} message${c.message_count === 1 ? '' : 's'} · ${fmtTime(c.updated_at_ms)}`));
    button.addEventListener('click', () => this.open(c.id, button));
    return el('li', {}, button);
  }

  async open(id, button) {
    for (const b of this.list.querySelectorAll('[aria-current]')) b.removeAttribute('aria-current');
    if (button) button.setAttribute('aria-current', 'true');
    this.selected = id;
    clear(this.transcript).append(el('p', { class: 'hint' }, 'Loading the transcript…'));
    try {
      const conv = await this.getClient().conversation(id);
      if (this.selected !== id) return;
      this.renderTranscript(conv);
      this.transcript.focus();
    } catch (err) {
      clear(this.transcript).append(el('p', { class: 'form-error', role: 'alert' },
        err.status === 404 && !/no such resource/i.test(err.message) ? 'This conversation no longer exists (it may have been erased or purged).' : describeError(err)));
    }
  }

  renderTranscript(conv) {
    clear(this.transcript);
    const messages = conv.messages || [];
    const ups = messages.filter((m) => m.feedback && m.feedback.rating === 'up').length;
    const downs = messages.filter((m) => m.feedback && m.feedback.rating === 'down').length;
    this.transcript.append(
      el('h2', { class: 'transcript-h' }, conv.user_id ? `Conversation with customer ${conv.user_id}` : 'Conversation with an anonymous shopper'),
      el('p', { class: 'hint' }, `${conv.conversation_id} · ${messages.length} messages · rated helpful ${ups}, not helpful ${downs}`),
    );
    const list = el('ol', { class: 'transcript-list' });
    for (const m of messages) {
      const role = m.role === 'user' ? 'Shopper' : 'Assistant';
      const li = el('li', { class: `msg msg-${m.role === 'user' ? 'user' : 'assistant'}`, dataset: { role: m.role } },
        el('p', { class: 'msg-meta' }, `${role} · ${fmtTime(m.created_at_ms)}${m.status && m.status !== 'complete' ? ` · ${m.status}` : ''}`),
        el('p', { class: 'msg-text' }, m.text));
      for (const block of Array.isArray(m.blocks) ? m.blocks : []) {
        const shown = blockView(block);
        if (shown) li.append(shown);
      }
      if (m.feedback) {
        const up = m.feedback.rating === 'up';
        li.append(el('p', { class: `feedback ${up ? 'feedback-up' : 'feedback-down'}`, dataset: { rating: m.feedback.rating } },
          up ? 'Shopper rated this helpful' : 'Shopper rated this not helpful',
          m.feedback.comment ? ` — “${m.feedback.comment}”` : ''));
      }
      list.append(li);
    }
    if (!messages.length) list.append(el('li', { class: 'hint' }, 'No stored messages.'));
    this.transcript.append(list);
  }
}

/** A price as the shopper saw it: minor units with the currency's exponent. */
export function fmtPrice(price) {
  if (!price || !Number.isFinite(price.amount_minor)) return '';
  const exponent = Number.isInteger(price.exponent) ? price.exponent : 2;
  return `${(price.amount_minor / 10 ** exponent).toFixed(exponent)} ${price.currency || ''}`.trim();
}

/** Only http(s) links are made clickable (the stored blocks are the gateway's, but a console
 * never turns another scheme into a link). */
function link(url, text) {
  return /^https?:\/\//i.test(url || '') ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text) : el('span', {}, text);
}

/** One stored block of an answer, as the shopper was shown it; `null` for unknown kinds. */
export function blockView(block) {
  if (block && block.kind === 'products') {
    const products = Array.isArray(block.products) ? block.products : [];
    return el('div', { class: 'msg-block', dataset: { block: 'products' } },
      el('p', { class: 'msg-meta' }, `Product cards shown (${products.length})`),
      el('ul', {}, products.map((p) => {
        const selected = (p.variants || []).find((v) => v.id === p.selected_variant);
        const option = selected && selected.values && selected.values.length ? ` · ${selected.values.join(' / ')}` : '';
        return el('li', { dataset: { productId: String(p.id) } }, link(p.url, p.title || '(untitled)'),
          ` — ${fmtPrice(p.price)}${option} · ${p.available ? 'in stock' : 'sold out'}`);
      })));
  }
  if (block && block.kind === 'sources') {
    const sources = Array.isArray(block.sources) ? block.sources : [];
    return el('div', { class: 'msg-block', dataset: { block: 'sources' } },
      el('p', { class: 'msg-meta' }, 'Sources shown'),
      el('ul', {}, sources.map((src) => el('li', {}, link(src.url, src.title || src.url)))));
  }
  if (block && block.kind === 'order' && block.order) {
    const o = block.order;
    return el('div', { class: 'msg-block', dataset: { block: 'order' } },
      el('p', { class: 'msg-meta' }, `Order card shown: ${o.number || ''} ${o.status ? `· ${o.status}` : ''}`.trim()));
  }
  return null;
}
