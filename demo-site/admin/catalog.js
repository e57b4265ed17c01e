// The catalog: the shop's source (kind, URL, write-only token), "Sync now" with progress and
// the last run's counts and problems, uploads, and a search box showing the cards' data
// (docs/API.md "Catalog").

import { describeError } from './api.js';
import { $, clear, el, fmtTime, toast } from './dom.js';

const POLL_MS = 1500;

function money(m) {
  if (!m) return '';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency })
      .format(m.amount_minor / 10 ** m.exponent);
  } catch (e) {
    return `${(m.amount_minor / 10 ** m.exponent).toFixed(m.exponent)} ${m.currency}`;
  }
}

export class Catalog {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.timer = null;
    this.shown = false;
    $('#cat-kind').addEventListener('change', () => this.kindChanged());
    $('#catalog-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    $('#cat-remove').addEventListener('click', () => this.remove());
    $('#cat-sync').addEventListener('click', () => this.sync());
    $('#cat-search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.search();
    });
    this.kindChanged();
  }

  visible(shown) {
    this.shown = shown;
    if (shown) this.refresh();
    else this.stopPolling();
  }

  reset() {
    this.stopPolling();
    $('#catalog-form').reset();
    clear($('#cat-form-result'));
    clear($('#cat-problems'));
    clear($('#cat-results'));
    $('#cat-status').textContent = 'No source yet.';
    $('#cat-search-meta').textContent = '';
    this.kindChanged();
  }

  kindChanged() {
    const kind = $('#cat-kind').value;
    $('#cat-url-field').hidden = kind === 'upload';
    $('#cat-token-field').hidden = kind !== 'shopify';
    $('#cat-file-field').hidden = kind !== 'upload';
    $('#cat-save').textContent = kind === 'upload' ? 'Upload' : 'Save source';
    $('#cat-sync').disabled = kind === 'upload';
  }

  stopPolling() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async refresh() {
    this.stopPolling();
    let data;
    try {
      data = await this.getClient().catalog();
    } catch (err) {
      $('#cat-status').textContent = describeError(err);
      return;
    }
    this.render(data);
    if (data.last_sync && data.last_sync.status === 'running' && this.shown) {
      this.timer = setTimeout(() => this.refresh(), POLL_MS);
    }
  }

  render(data) {
    const { source, products, last_sync: last } = data;
    if (source) {
      $('#cat-kind').value = source.kind;
      $('#cat-url').value = source.url || '';
      $('#cat-currency').value = source.currency || '';
      $('#cat-schedule').value = source.schedule;
      $('#cat-max').value = source.max_products;
      $('#cat-token').value = '';
      $('#cat-token-hint').textContent = source.has_credentials
        ? 'A token is stored (never shown). Type a new one to replace it.'
        : 'Never shown again once saved.';
      this.kindChanged();
    }
    const status = $('#cat-status');
    if (!source) status.textContent = 'No source yet.';
    else if (!last) status.textContent = `${products} products. Not synced yet.`;
    else {
      const what = last.status === 'running'
        ? `Syncing… ${last.pages_done} pages, ${last.products_upserted} products written so far.`
        : last.status === 'done'
          ? `Last ${last.full ? 'full' : 'incremental'} sync finished ${fmtTime(last.finished_at)}: ${last.products_upserted} written, ${last.products_deleted} removed.`
          : `Last sync failed ${fmtTime(last.finished_at)}: ${last.error}. The previous catalog keeps serving.`;
      status.textContent = `${products} products. ${what}`;
    }
    const list = clear($('#cat-problems'));
    for (const p of (last && last.problems) || []) list.append(el('li', {}, `${p.position}: ${p.reason}`));
    if (!list.children.length) list.append(el('li', { class: 'hint' }, 'None.'));
  }

  sourceBody() {
    const body = {
      kind: $('#cat-kind').value,
      schedule: $('#cat-schedule').value,
      max_products: Number($('#cat-max').value) || undefined,
    };
    const currency = $('#cat-currency').value.trim();
    if (currency) body.currency = currency.toUpperCase();
    if (body.kind !== 'upload') body.url = $('#cat-url').value.trim();
    const token = $('#cat-token').value.trim();
    if (body.kind === 'shopify' && token) body.storefront_token = token;
    return body;
  }

  async save() {
    const result = clear($('#cat-form-result'));
    const body = this.sourceBody();
    try {
      if (body.kind === 'upload') {
        const file = $('#cat-file').files[0];
        if (!file) {
          result.append(el('p', { class: 'form-error', role: 'alert' }, 'Choose a CSV or JSON file.'));
          return;
        }
        const text = await file.text();
        const type = /\.json$/i.test(file.name) ? 'application/json' : 'text/csv';
        result.append(el('p', { class: 'hint' }, 'Uploading…'));
        const report = await this.getClient().uploadCatalog(text, type);
        clear(result).append(el('p', {}, `Imported ${report.products_upserted} products; ${report.problems.length} rows skipped.`));
      } else {
        result.append(el('p', { class: 'hint' }, 'Checking the shop…'));
        await this.getClient().putCatalogSource(body);
        $('#cat-token').value = '';
        clear(result).append(el('p', {}, 'Saved. Use "Sync now" to import the products.'));
      }
      toast('Catalog source saved.');
    } catch (err) {
      clear(result).append(el('p', { class: 'form-error', role: 'alert' }, describeError(err)));
    }
    this.refresh();
  }

  async remove() {
    if (!window.confirm('Remove the catalog source and every product from the assistant?')) return;
    try {
      await this.getClient().deleteCatalogSource();
      toast('Catalog removed.');
      this.reset();
    } catch (err) {
      clear($('#cat-form-result')).append(el('p', { class: 'form-error', role: 'alert' }, describeError(err)));
    }
    this.refresh();
  }

  async sync() {
    try {
      await this.getClient().syncCatalog(true);
      toast('Sync started.');
    } catch (err) {
      $('#cat-status').textContent = describeError(err);
      return;
    }
    this.refresh();
  }

  async search() {
    const q = $('#cat-q').value.trim();
    const rows = clear($('#cat-results'));
    const meta = $('#cat-search-meta');
    if (!q) return;
    try {
      const { products, took_ms: took } = await this.getClient().searchCatalog({ query: q });
      meta.textContent = `${products.length} result${products.length === 1 ? '' : 's'} in ${took} ms.`;
      for (const p of products) {
        const title = p.url ? el('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer' }, p.title) : p.title;
        const variants = (p.variants || []).slice(0, 6).map((v) => `${v.values.join(' / ') || 'default'}${v.available ? '' : ' (out)'}`).join(', ');
        rows.append(el('tr', {},
          el('td', {}, title),
          el('td', {}, money(p.price)),
          el('td', {}, p.available ? 'In stock' : 'Out of stock'),
          el('td', {}, variants)));
      }
    } catch (err) {
      meta.textContent = describeError(err);
    }
  }
}
