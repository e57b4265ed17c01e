// Webhooks (admins): the tenant's HTTPS endpoints and their events, the signing secret shown
// once when an endpoint is added, and the delivery log with "retry" (docs/API.md "Webhooks").

import { describeError } from './api.js';
import { $, clear, el, fmtTime, showError, toast } from './dom.js';

export const EVENTS = [
  'conversation.handoff_requested',
  'message.created',
  'conversation.closed',
  'csat.submitted',
  'catalog.sync_failed',
];

export class Webhooks {
  constructor({ getClient }) {
    this.getClient = getClient;
    this.error = $('#wh-error');
    const events = $('#wh-events');
    for (const name of EVENTS) {
      const id = `wh-ev-${name.replace(/\./g, '-')}`;
      events.append(el('label', { class: 'check', for: id },
        el('input', { type: 'checkbox', id, value: name, checked: true }), ` ${name}`));
    }
    $('#wh-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.add();
    });
    $('#wh-refresh').addEventListener('click', () => this.load());
  }

  show() { this.load(); }

  reset() {
    clear($('#wh-list'));
    clear($('#wh-deliveries'));
    $('#wh-secret-result').hidden = true;
    $('#wh-secret').value = '';
    showError(this.error, '');
  }

  async load() {
    try {
      const client = this.getClient();
      const [endpoints, deliveries] = await Promise.all([client.webhooks(), client.webhookDeliveries()]);
      const list = clear($('#wh-list'));
      for (const e of endpoints.endpoints || []) {
        const remove = el('button', { type: 'button', class: 'btn btn-quiet' }, 'Remove');
        remove.addEventListener('click', () => this.remove(e));
        list.append(el('tr', { dataset: { endpointId: e.id } },
          el('td', {}, e.url), el('td', {}, (e.events || []).join(', ')), el('td', {}, e.format),
          el('td', {}, fmtTime(e.created_at_ms)), el('td', {}, remove)));
      }
      if (!list.children.length) list.append(el('tr', {}, el('td', { colspan: 5 }, 'No endpoints yet.')));
      const log = clear($('#wh-deliveries'));
      for (const d of deliveries.deliveries || []) {
        const retry = d.status === 'delivered' ? '' : el('button', { type: 'button', class: 'btn btn-quiet' }, 'Retry');
        if (retry) retry.addEventListener('click', () => this.retry(d));
        const last = d.last_status ? `HTTP ${d.last_status}` : d.last_error || '';
        log.append(el('tr', { dataset: { deliveryId: d.id, status: d.status } },
          el('td', {}, d.event_type), el('td', {}, d.url), el('td', {}, d.status),
          el('td', {}, String(d.attempts)), el('td', {}, last),
          el('td', {}, d.status === 'delivered' ? '' : fmtTime(d.next_attempt_at_ms)), el('td', {}, retry)));
      }
      if (!log.children.length) log.append(el('tr', {}, el('td', { colspan: 7 }, 'Nothing delivered yet.')));
      showError(this.error, '');
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }

  async add() {
    const url = $('#wh-url').value.trim();
    const events = Array.from(document.querySelectorAll('#wh-events input:checked')).map((i) => i.value);
    const format = $('#wh-format').value;
    if (!/^https:\/\//i.test(url)) {
      showError(this.error, 'The endpoint must be an https:// address.');
      return;
    }
    if (!events.length) {
      showError(this.error, 'Pick at least one event.');
      return;
    }
    try {
      const answer = await this.getClient().addWebhook({ url, events, format });
      $('#wh-secret').value = answer.secret || '';
      $('#wh-secret-result').hidden = !answer.secret;
      $('#wh-url').value = '';
      toast('Endpoint added.');
      this.load();
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }

  async remove(endpoint) {
    if (!window.confirm(`Stop sending events to ${endpoint.url}?`)) return;
    try {
      await this.getClient().removeWebhook(endpoint.id);
      toast('Endpoint removed.');
      this.load();
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }

  async retry(delivery) {
    try {
      await this.getClient().retryDelivery(delivery.id);
      toast('Delivery queued again.');
      this.load();
    } catch (err) {
      showError(this.error, describeError(err));
    }
  }
}
