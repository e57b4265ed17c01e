// Privacy requests (export / erase by verified user id) and the audit log.

import { describeError } from './api.js';
import { $, clear, el, fmtTime, showError, toast } from './dom.js';

function summarize(detail) {
  if (detail == null) return '';
  if (typeof detail !== 'object') return String(detail);
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`)
    .join(', ');
}

export class Privacy {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.loaded = false;
    this.nextBefore = null;
    this.downloadUrl = null;
    this.dialog = $('#erase-dialog');
    $('#export-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.exportUser();
    });
    $('#erase-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.askErase();
    });
    this.dialog.addEventListener('close', () => {
      if (this.dialog.returnValue === 'erase') this.erase(this.dialog.dataset.user);
      else $('#erase-user').focus();
    });
    $('#audit-more').addEventListener('click', () => this.auditPage());
  }

  show() {
    // Fresh on every visit: shoppers' consent and erase requests arrive all the time.
    this.reloadAudit();
  }

  reset() {
    this.loaded = false;
    clear($('#audit-rows'));
    clear($('#export-result'));
    clear($('#erase-result'));
    $('#export-user').value = '';
    $('#erase-user').value = '';
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = null;
  }

  userFrom(input, result) {
    const user = input.value.trim();
    if (!user) {
      clear(result).append(el('p', { class: 'form-error', role: 'alert' }, 'Enter the shopper\'s user id.'));
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return null;
    }
    input.removeAttribute('aria-invalid');
    return user;
  }

  async exportUser() {
    const result = $('#export-result');
    const user = this.userFrom($('#export-user'), result);
    if (!user) return;
    clear(result).append(el('p', { class: 'hint' }, 'Exporting…'));
    try {
      const data = await this.getClient().exportUser(user);
      const conversations = data.conversations || [];
      const messages = conversations.reduce((n, c) => n + (c.messages || []).length, 0);
      if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
      this.downloadUrl = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const safeName = user.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
      clear(result).append(
        el('p', {}, `Found ${conversations.length} conversation${conversations.length === 1 ? '' : 's'} with ${messages} message${messages === 1 ? '' : 's'} for ${user}.`),
        el('a', { class: 'btn', href: this.downloadUrl, download: `shopkeep-export-${safeName}.json` }, 'Download the export (JSON)'),
      );
      this.reloadAudit();
    } catch (err) {
      clear(result).append(el('p', { class: 'form-error', role: 'alert' }, describeError(err)));
    }
  }

  askErase() {
    const user = this.userFrom($('#erase-user'), $('#erase-result'));
    if (!user) return;
    clear($('#erase-result'));
    $('#erase-dialog-user').textContent = user;
    this.dialog.dataset.user = user;
    this.dialog.returnValue = '';
    this.dialog.showModal();
  }

  async erase(user) {
    const result = $('#erase-result');
    clear(result).append(el('p', { class: 'hint' }, 'Erasing…'));
    try {
      const data = await this.getClient().eraseUser(user);
      const e = data.erased || {};
      clear(result).append(el('p', { class: 'ok' },
        `Erased for ${user}: ${e.conversations ?? 0} conversation(s), ${e.messages ?? 0} message(s), ${e.feedback ?? 0} rating(s).`));
      toast(`Everything stored for ${user} was erased.`);
      this.reloadAudit();
    } catch (err) {
      clear(result).append(el('p', { class: 'form-error', role: 'alert' }, describeError(err)));
    }
    $('#erase-user').focus();
  }

  async reloadAudit() {
    clear($('#audit-rows'));
    this.nextBefore = null;
    this.loaded = true;
    await this.auditPage();
  }

  async auditPage() {
    const error = $('#audit-error');
    showError(error, '');
    $('#audit-more').disabled = true;
    try {
      const data = await this.getClient().audit({ before: this.nextBefore });
      const rows = $('#audit-rows');
      for (const entry of data.entries || []) {
        rows.append(el('tr', { dataset: { action: entry.action } },
          el('td', {}, fmtTime(entry.created_at_ms)),
          el('td', {}, entry.actor || ''),
          el('td', {}, entry.action || ''),
          el('td', { class: 'detail' }, summarize(entry.detail))));
      }
      if (!rows.children.length) rows.append(el('tr', {}, el('td', { colspan: 4 }, 'No entries yet.')));
      this.nextBefore = data.next_before ?? null;
      $('#audit-more').hidden = this.nextBefore === null;
    } catch (err) {
      this.loaded = false;
      showError(error, describeError(err));
    } finally {
      $('#audit-more').disabled = false;
    }
  }
}
