// Staff (admins): invite links (shown once), the members with their role, passkeys and live
// sessions, "end sessions" and "disable" (which also ends every session at once).

import { describeError } from './api.js';
import { $, clear, el, fmtTime, showError, toast } from './dom.js';

export class Staff {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.error = $('#staff-error');
    $('#staff-invite-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.invite();
    });
  }

  show() { this.load(); }

  reset() {
    clear($('#staff-list'));
    $('#staff-invite-result').hidden = true;
    $('#staff-invite-url').value = '';
    showError(this.error, '');
  }

  async load() {
    try {
      const answer = await this.getClient().staff();
      const list = clear($('#staff-list'));
      for (const m of answer.members || []) {
        const end = el('button', { type: 'button', class: 'btn btn-quiet' }, 'End sessions');
        end.addEventListener('click', () => this.end(m, false));
        const disable = el('button', { type: 'button', class: 'btn btn-quiet' }, 'Disable');
        disable.addEventListener('click', () => this.end(m, true));
        list.append(el('tr', { dataset: { staffId: m.id } },
          el('td', {}, m.name), el('td', {}, m.role), el('td', {}, String(m.passkeys)),
          el('td', {}, String(m.active_sessions)),
          el('td', {}, m.disabled_at_ms ? `Disabled ${fmtTime(m.disabled_at_ms)}` : 'Active'),
          el('td', {}, m.disabled_at_ms ? '' : end, m.disabled_at_ms ? '' : disable)));
      }
      for (const i of answer.invites || []) {
        list.append(el('tr', { class: 'hint' },
          el('td', {}, i.name), el('td', {}, i.role), el('td', {}, '—'), el('td', {}, '—'),
          el('td', {}, `Invited, link valid until ${fmtTime(i.expires_at_ms)}`), el('td', {})));
      }
      showError(this.error, '');
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }

  async invite() {
    const name = $('#staff-name').value.trim();
    const role = $('#staff-role').value;
    if (!name) {
      showError(this.error, 'Give the staff member a name.');
      return;
    }
    try {
      const answer = await this.getClient().inviteStaff(name, role);
      $('#staff-invite-name').textContent = answer.name;
      $('#staff-invite-url').value = answer.url;
      $('#staff-invite-result').hidden = false;
      $('#staff-name').value = '';
      this.load();
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }

  async end(member, disable) {
    const question = disable
      ? `Disable ${member.name}? Their sessions end now and their passkeys stop working.`
      : `End every session of ${member.name}? They can sign in again with their passkey.`;
    if (!window.confirm(question)) return;
    try {
      const client = this.getClient();
      if (disable) await client.disableStaff(member.id);
      else await client.revokeStaff(member.id);
      toast(disable ? `${member.name} is disabled.` : `${member.name}'s sessions ended.`);
      this.load();
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }
}
