// Knowledge: the shop's website as the assistant's knowledge (sources, sync, last sync's diff,
// pages and their snippets with enable/disable, hand-written snippets) and the "Unanswered
// questions" view (write an answer / dismiss). docs/ADMIN.md §8, docs/API.md "Knowledge".

import { describeError } from './api.js';
import { $, clear, el, fmtTime, showError, toast } from './dom.js';

const SKIP_WORDS = {
  robots: 'blocked by robots.txt',
  not_html: 'not an HTML page',
  not_found: 'page not found',
  too_large: 'larger than the page cap',
  redirect_loop: 'redirect loop',
  off_site: 'redirects to another site',
  refused: 'address not allowed',
  noindex: 'asks not to be indexed',
  http_error: 'the site answered with an error',
  unreachable: 'could not be reached',
  over_page_cap: 'over the page cap',
  sitemap_unreachable: 'sitemap could not be read',
  not_a_sitemap: 'not a sitemap',
};

export class Knowledge {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.poll = null;
    $('#kn-source-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.addSource();
    });
    $('#kn-snippet-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.addSnippet();
    });
  }

  api(method, suffix, body) {
    const client = this.getClient();
    return client.request(method, client.base(`/knowledge${suffix}`), body === undefined ? {} : { body });
  }

  show() {
    this.reload();
  }

  reset() {
    clearTimeout(this.poll);
    for (const id of ['#kn-sources', '#kn-diff', '#kn-pages', '#kn-snippets', '#kn-gaps']) clear($(id));
  }

  async reload() {
    showError($('#kn-error'), '');
    try {
      const [sources, pages, snippets, gaps] = await Promise.all([
        this.api('GET', '/sources'),
        this.api('GET', '/pages'),
        this.api('GET', '/snippets'),
        this.api('GET', '/gaps'),
      ]);
      this.renderSources(sources.sources || []);
      this.renderPages(pages.pages || []);
      this.renderSnippets(snippets.snippets || []);
      this.renderGaps(gaps.gaps || []);
      const running = (sources.sources || []).some((s) => s.last_sync && ['running', 'finishing'].includes(s.last_sync.status));
      clearTimeout(this.poll);
      if (running) this.poll = setTimeout(() => this.reload(), 1500);
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  async addSource() {
    const kind = $('#kn-kind').value;
    const text = $('#kn-url').value.trim();
    const body = { kind, schedule: $('#kn-schedule').value };
    if (kind === 'url_list') body.urls = text.split(/\s+/).filter(Boolean);
    else body.url = text;
    if (kind === 'start_url') body.max_depth = Number($('#kn-depth').value) || 2;
    const error = $('#kn-source-error');
    showError(error, '');
    try {
      const added = await this.api('POST', '/sources', body);
      $('#kn-url').value = '';
      toast('Source added. Press "Sync now" to learn its pages.');
      await this.reload();
      return added;
    } catch (err) {
      showError(error, describeError(err));
      return null;
    }
  }

  async syncNow(sourceId) {
    try {
      await this.api('POST', `/sources/${sourceId}/sync`, {});
      toast('Sync started.');
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  async removeSource(sourceId) {
    if (!window.confirm('Remove this source and everything learned from it?')) return;
    try {
      await this.api('DELETE', `/sources/${sourceId}`, {});
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  renderSources(sources) {
    const list = clear($('#kn-sources'));
    const diff = clear($('#kn-diff'));
    if (!sources.length) list.append(el('p', { class: 'hint' }, 'No sources yet: add your sitemap above.'));
    for (const { source, last_sync: sync } of sources) {
      const status = sync ? `${sync.status}${sync.finished_at_ms ? `, ${fmtTime(sync.finished_at_ms)}` : ''}` : 'never synced';
      list.append(el('div', { class: 'card stack kn-source', dataset: { source: source.source_id } },
        el('p', {}, el('strong', {}, source.kind.replace('_', ' ')), ' ', source.url),
        el('p', { class: 'hint' }, `Schedule: ${source.schedule}. Last sync: `, el('span', { class: 'kn-sync-status' }, status)),
        sync && sync.error ? el('p', { class: 'form-error', role: 'alert' }, sync.error) : null,
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.syncNow(source.source_id) }, 'Sync now'),
          el('button', { type: 'button', class: 'btn', onclick: () => this.showDiff(source.source_id) }, 'Last sync'),
          el('button', { type: 'button', class: 'btn btn-danger', onclick: () => this.removeSource(source.source_id) }, 'Remove'))));
      if (sync && sync.diff) diff.append(this.diffView(sync));
    }
  }

  diffView(sync) {
    const group = (label, urls) => el('details', { open: urls.length > 0 && urls.length <= 10 },
      el('summary', {}, `${label}: ${urls.length}`),
      el('ul', {}, urls.map((u) => el('li', {}, u))));
    return el('div', { class: 'card stack kn-diff' },
      el('h3', {}, `Sync of ${fmtTime(sync.started_at_ms)}`),
      group('Added', sync.diff.added || []),
      group('Changed', sync.diff.changed || []),
      group('Removed', sync.diff.removed || []));
  }

  async showDiff(sourceId) {
    try {
      const { syncs } = await this.api('GET', `/sources/${sourceId}/syncs`);
      const latest = syncs[0];
      const box = clear($('#kn-diff'));
      if (!latest) return;
      if (latest.diff) box.append(this.diffView(latest));
      const skipped = latest.skipped || [];
      box.append(el('details', { class: 'card', open: true },
        el('summary', {}, `Skipped: ${skipped.length}`),
        el('ul', { class: 'kn-skipped' }, skipped.map((s) => el('li', {}, `${s.url} — ${SKIP_WORDS[s.reason] || s.reason}`)))));
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  renderPages(pages) {
    const rows = clear($('#kn-pages'));
    $('#kn-page-count').textContent = `${pages.length} page${pages.length === 1 ? '' : 's'}`;
    for (const page of pages) {
      const enabled = page.enabled !== 0;
      const row = el('tr', { dataset: { page: page.page_id } },
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => this.openPage(page.page_id, row) }, page.title)),
        el('td', {}, el('a', { href: page.url, target: '_blank', rel: 'noopener noreferrer' }, new URL(page.url).pathname)),
        el('td', {}, String(page.snippets ?? '')),
        el('td', {}, el('button', { type: 'button', class: 'btn', onclick: () => this.setPage(page.page_id, !enabled) }, enabled ? 'Disable' : 'Enable')));
      if (!enabled) row.classList.add('muted');
      rows.append(row);
    }
  }

  async setPage(pageId, enabled) {
    try {
      await this.api('PUT', `/pages/${pageId}`, { enabled });
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  async openPage(pageId, row) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains('kn-page-snippets')) {
      next.remove();
      return;
    }
    try {
      const { snippets } = await this.api('GET', `/pages/${pageId}`);
      const cell = el('td', { colspan: '4' }, el('ul', { class: 'stack' }, snippets.map((s) => el('li', {},
        el('strong', {}, s.title), s.kind === 'structured' ? el('span', { class: 'hint' }, ' (structured data)') : null,
        el('p', {}, s.text),
        el('button', { type: 'button', class: 'btn', onclick: () => this.setSnippet(s.snippet_id, { enabled: s.enabled === 0 }) }, s.enabled === 0 ? 'Enable' : 'Disable')))));
      row.after(el('tr', { class: 'kn-page-snippets' }, cell));
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  async setSnippet(snippetId, change) {
    try {
      await this.api('PUT', `/snippets/${snippetId}`, change);
      toast('Saved.');
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  renderSnippets(snippets) {
    const list = clear($('#kn-snippets'));
    for (const s of snippets) {
      const title = el('input', { value: s.title, maxlength: '200', 'aria-label': 'Title' });
      const text = el('textarea', { rows: '3', maxlength: '4000', 'aria-label': 'Text' });
      text.value = s.text;
      list.append(el('li', { class: 'card stack' }, title, text, el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.setSnippet(s.snippet_id, { title: title.value, text: text.value }) }, 'Save'),
        el('button', { type: 'button', class: 'btn', onclick: () => this.setSnippet(s.snippet_id, { enabled: s.enabled === 0 }) }, s.enabled === 0 ? 'Enable' : 'Disable'),
        el('button', { type: 'button', class: 'btn btn-danger', onclick: () => this.deleteSnippet(s.snippet_id) }, 'Delete'))));
    }
  }

  async addSnippet() {
    const error = $('#kn-snippet-error');
    showError(error, '');
    try {
      await this.api('POST', '/snippets', { title: $('#kn-snippet-title').value, text: $('#kn-snippet-text').value });
      $('#kn-snippet-title').value = '';
      $('#kn-snippet-text').value = '';
      this.reload();
    } catch (err) {
      showError(error, describeError(err));
    }
  }

  async deleteSnippet(snippetId) {
    try {
      await this.api('DELETE', `/snippets/${snippetId}`, {});
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  renderGaps(gaps) {
    const list = clear($('#kn-gaps'));
    if (!gaps.length) list.append(el('p', { class: 'hint' }, 'No unanswered questions right now.'));
    for (const gap of gaps) {
      const answer = el('textarea', { rows: '2', maxlength: '4000', 'aria-label': 'Your answer' });
      const examples = gap.examples.length ? gap.examples : ['(questions are not stored for this shop: counts only)'];
      list.append(el('li', { class: 'card stack kn-gap', dataset: { gap: gap.gap_id } },
        el('p', {}, el('strong', {}, examples[0]), ` — asked ${gap.count}×, last ${fmtTime(gap.last_seen_at_ms)}`),
        examples.length > 1 ? el('ul', { class: 'hint' }, examples.slice(1).map((e) => el('li', {}, e))) : null,
        el('p', { class: 'hint' }, `${gap.trend.reduce((a, b) => a + b, 0)} in the last 14 days (day by day: Analytics)`),
        answer,
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.answerGap(gap.gap_id, answer.value) }, 'Write an answer'),
          el('button', { type: 'button', class: 'btn', onclick: () => this.dismissGap(gap.gap_id) }, 'Dismiss'))));
    }
  }

  async answerGap(gapId, text) {
    if (!text.trim()) {
      toast('Write the answer first.');
      return;
    }
    try {
      await this.api('POST', `/gaps/${gapId}/answer`, { text });
      toast('Answer saved: the assistant uses it from now on.');
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }

  async dismissGap(gapId) {
    try {
      await this.api('POST', `/gaps/${gapId}/dismiss`, {});
      this.reload();
    } catch (err) {
      showError($('#kn-error'), describeError(err));
    }
  }
}
