// Settings editor: the whole tenant config in one form, loaded with GET config and saved with
// PUT config. Field-level errors from the gateway's 400 `fields` list are shown next to the
// inputs they name (matched through `data-field` paths) and summarised at the top.

import { ApiError, describeError } from './api.js';
import { $, $$, clear, el, toast } from './dom.js';
import { Preview, publicConfig } from './preview-host.js';

// [input id, config path, kind]. Kinds: text, nullable (empty → null), int, bool.
const FIELDS = [
  ['f-name', 'name', 'text'],
  ['f-primary', 'public.theme.primary_color', 'text'],
  ['f-accent', 'public.theme.accent_color', 'text'],
  ['f-bg', 'public.theme.background_color', 'text'],
  ['f-text', 'public.theme.text_color', 'text'],
  ['f-position', 'public.theme.launcher_position', 'text'],
  ['f-icon', 'public.theme.launcher_icon', 'text'],
  ['f-title', 'public.theme.title', 'text'],
  ['f-avatar', 'public.theme.avatar_url', 'nullable'],
  ['f-font', 'public.theme.font_family', 'text'],
  ['f-radius', 'public.theme.corner_radius', 'int'],
  ['f-scheme', 'public.theme.color_scheme', 'text'],
  ['f-locale', 'public.texts.locale', 'text'],
  ['f-greeting', 'public.texts.greeting', 'text'],
  ['f-placeholder', 'public.texts.placeholder', 'text'],
  ['f-consent-text', 'public.texts.consent_text', 'text'],
  ['f-persona', 'assistant.persona', 'text'],
  ['f-model', 'assistant.model', 'nullable'],
  ['f-max-tokens', 'assistant.max_output_tokens', 'int'],
  ['f-consent', 'privacy.consent_required', 'bool'],
  ['f-store', 'privacy.store_transcripts', 'bool'],
  ['f-redact-store', 'privacy.redact_pii_before_storage', 'bool'],
  ['f-redact-ai', 'privacy.redact_pii_before_ai', 'bool'],
  ['f-identity', 'privacy.identity_required', 'bool'],
  ['f-retention', 'privacy.retention_days', 'int'],
  ['f-l-tenant', 'limits.tenant_requests_per_minute', 'int'],
  ['f-l-session', 'limits.session_requests_per_minute', 'int'],
  ['f-l-ip', 'limits.ip_requests_per_minute', 'int'],
  ['f-l-streams', 'limits.max_concurrent_streams', 'int'],
  ['f-l-budget', 'limits.daily_token_budget', 'int'],
];

const MAX_QUESTIONS = 6;
const MAX_ORIGINS = 20;
const MAX_SNIPPETS = 200;

function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (o[k] == null || typeof o[k] !== 'object') o[k] = {};
    o = o[k];
  }
  o[keys.at(-1)] = value;
}

// Any CSS colour the browser understands → #rrggbb for the colour picker (null otherwise).
const paint = document.createElement('canvas').getContext('2d');
export function colourToHex(value) {
  if (!paint || typeof value !== 'string' || !value.trim()) return null;
  paint.fillStyle = '#000000';
  paint.fillStyle = value;
  const a = paint.fillStyle;
  paint.fillStyle = '#ffffff';
  paint.fillStyle = value;
  // An invalid value leaves each probe colour in place, so the two reads differ.
  if (a !== paint.fillStyle) return null;
  return /^#[0-9a-f]{6}$/i.test(a) ? a : null;
}

let uid = 0;
const nextId = (prefix) => `${prefix}-${(uid += 1)}`;

export class Settings {
  constructor({ getClient, onConfig }) {
    this.getClient = getClient;
    this.onConfig = onConfig || (() => {});
    this.form = $('#settings-form');
    this.status = $('#settings-status');
    this.loaded = null;
    this.version = null;
    this.dirty = false;
    this.saving = false;
    this.preview = new Preview($('#preview'), () => this.previewConfig());

    this.form.addEventListener('input', (e) => {
      this.clearErrorOf(e.target);
      this.changed();
    });
    this.form.addEventListener('change', () => this.changed());
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    $('#revert').addEventListener('click', () => {
      if (this.loaded) this.fill(this.loaded);
      this.clearErrors();
      this.setDirty(false);
      this.preview.schedule();
    });
    $('#add-question').addEventListener('click', () => {
      this.addQuestion('', true);
      this.changed();
    });
    $('#add-origin').addEventListener('click', () => {
      this.addOrigin('', true);
      this.changed();
    });
    $('#add-snippet').addEventListener('click', () => {
      this.addSnippet({ id: '', title: '', text: '' }, true);
      this.changed();
    });
    $('#f-auto-mode').addEventListener('change', () => this.syncAutoOpen());

    // Colour pickers mirror their text inputs (the text is what is saved: any CSS colour).
    for (const pick of $$('input[data-pick-for]', this.form)) {
      const text = document.getElementById(pick.dataset.pickFor);
      pick.addEventListener('input', () => {
        text.value = pick.value;
      });
      text.addEventListener('input', () => {
        const hex = colourToHex(text.value);
        if (hex) pick.value = hex;
      });
    }
    for (const range of $$('input[data-range-for]', this.form)) {
      const number = document.getElementById(range.dataset.rangeFor);
      range.addEventListener('input', () => {
        number.value = range.value;
      });
      number.addEventListener('input', () => {
        range.value = number.value;
      });
    }
    window.addEventListener('beforeunload', (e) => {
      if (this.dirty) {
        e.preventDefault();
        e.returnValue = '';
      }
    });
  }

  changed() {
    this.setDirty(true);
    this.preview.schedule();
    this.updateListButtons();
  }

  setDirty(dirty) {
    if (dirty && !this.dirty && this.version !== null) this.status.textContent = `Version ${this.version} · unsaved changes`;
    this.dirty = dirty;
    $('#dirty-note').hidden = !dirty;
    $('#revert').disabled = !dirty;
  }

  async load() {
    this.status.textContent = 'Loading…';
    try {
      const answer = await this.getClient().getConfig();
      this.apply(answer);
      this.status.textContent = `Version ${answer.version}`;
      return answer;
    } catch (err) {
      this.status.textContent = describeError(err);
      throw err;
    }
  }

  apply({ version, config }) {
    this.loaded = config;
    this.version = version;
    this.fill(config);
    this.clearErrors();
    this.setDirty(false);
    this.preview.schedule(0);
    this.onConfig(config, version);
  }

  fill(config) {
    for (const [id, path, kind] of FIELDS) {
      const input = document.getElementById(id);
      const value = getPath(config, path);
      if (kind === 'bool') input.checked = Boolean(value);
      else input.value = value == null ? '' : String(value);
    }
    for (const pick of $$('input[data-pick-for]', this.form)) {
      const hex = colourToHex(document.getElementById(pick.dataset.pickFor).value);
      pick.value = hex || '#000000';
    }
    for (const range of $$('input[data-range-for]', this.form)) {
      range.value = document.getElementById(range.dataset.rangeFor).value;
    }
    const auto = (config.public && config.public.auto_open) || { mode: 'off' };
    $('#f-auto-mode').value = auto.mode === 'after_delay' ? 'after_delay' : 'off';
    $('#f-auto-delay').value = auto.mode === 'after_delay' ? String(auto.delay_ms / 1000) : '10';
    this.syncAutoOpen();

    clear($('#questions'));
    for (const q of (config.public && config.public.suggested_questions) || []) this.addQuestion(q);
    clear($('#origins'));
    for (const o of config.allowed_origins || []) this.addOrigin(o);
    clear($('#knowledge'));
    for (const s of config.knowledge || []) this.addSnippet(s);
    this.updateListButtons();
  }

  syncAutoOpen() {
    $('#auto-delay-field').hidden = $('#f-auto-mode').value !== 'after_delay';
  }

  // --- list editors -------------------------------------------------------------------------

  listRow(list, label, inputProps, focus) {
    const id = nextId('row');
    const input = el(inputProps.multiline ? 'textarea' : 'input', {
      id, class: 'row-input', value: inputProps.value, maxlength: inputProps.maxlength, spellcheck: inputProps.spellcheck,
      placeholder: inputProps.placeholder, rows: inputProps.multiline ? 3 : undefined,
    });
    const labelNode = el('label', { for: id, class: 'row-label' });
    const remove = el('button', { type: 'button', class: 'btn btn-quiet btn-small row-remove' }, 'Remove');
    const row = el('li', { class: 'row' }, labelNode, el('div', { class: 'row-line' }, input, remove));
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      this.renumber(list, label);
      this.changed();
      (next ? next.querySelector('input, textarea') : list.parentElement.querySelector('button.btn:not(.row-remove)')).focus();
    });
    list.append(row);
    this.renumber(list, label);
    if (focus) input.focus();
    return row;
  }

  renumber(list, label) {
    const base = list.dataset.field;
    $$(':scope > li', list).forEach((row, i) => {
      row.querySelector('.row-label').textContent = `${label} ${i + 1}`;
      row.querySelector('.row-input').dataset.field = `${base}[${i}]`;
      row.querySelector('.row-remove').setAttribute('aria-label', `Remove ${label.toLowerCase()} ${i + 1}`);
    });
  }

  addQuestion(text, focus = false) {
    this.listRow($('#questions'), 'Question', { value: text, maxlength: 120 }, focus);
  }

  addOrigin(origin, focus = false) {
    this.listRow($('#origins'), 'Origin', { value: origin, maxlength: 300, spellcheck: 'false', placeholder: 'https://shop.example' }, focus);
  }

  addSnippet(snippet, focus = false) {
    const list = $('#knowledge');
    const ids = { id: nextId('kid'), title: nextId('kti'), text: nextId('ktx') };
    const idInput = el('input', { id: ids.id, class: 'k-id', value: snippet.id, maxlength: 64, spellcheck: 'false' });
    const titleInput = el('input', { id: ids.title, class: 'k-title', value: snippet.title, maxlength: 200 });
    const textInput = el('textarea', { id: ids.text, class: 'k-text', rows: 4, maxlength: 8000 });
    textInput.value = snippet.text;
    const heading = el('p', { class: 'k-heading' });
    const remove = el('button', { type: 'button', class: 'btn btn-quiet btn-small k-remove' }, 'Remove');
    const row = el('li', { class: 'k-row' },
      el('div', { class: 'k-head' }, heading, remove),
      el('div', { class: 'grid2' },
        el('div', { class: 'field' }, el('label', { for: ids.id }, 'Id'), idInput),
        el('div', { class: 'field' }, el('label', { for: ids.title }, 'Title'), titleInput)),
      el('div', { class: 'field' }, el('label', { for: ids.text }, 'Text'), textInput));
    titleInput.addEventListener('input', () => this.renumberSnippets());
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      this.renumberSnippets();
      this.changed();
      (next ? next.querySelector('input') : $('#add-snippet')).focus();
    });
    list.append(row);
    this.renumberSnippets();
    if (focus) idInput.focus();
  }

  renumberSnippets() {
    $$('#knowledge > li').forEach((row, i) => {
      const title = row.querySelector('.k-title').value.trim();
      row.querySelector('.k-heading').textContent = `Snippet ${i + 1}${title ? `: ${title}` : ''}`;
      row.querySelector('.k-remove').setAttribute('aria-label', `Remove snippet ${i + 1}`);
      row.querySelector('.k-id').dataset.field = `knowledge[${i}].id`;
      row.querySelector('.k-title').dataset.field = `knowledge[${i}].title`;
      row.querySelector('.k-text').dataset.field = `knowledge[${i}].text`;
    });
  }

  updateListButtons() {
    $('#add-question').disabled = $$('#questions > li').length >= MAX_QUESTIONS;
    $('#add-origin').disabled = $$('#origins > li').length >= MAX_ORIGINS;
    $('#add-snippet').disabled = $$('#knowledge > li').length >= MAX_SNIPPETS;
  }

  // --- form → config ------------------------------------------------------------------------

  /** The config as the form has it, and problems found before asking the gateway. */
  read() {
    const config = structuredClone(this.loaded || {});
    const problems = [];
    for (const [id, path, kind] of FIELDS) {
      const input = document.getElementById(id);
      if (kind === 'bool') setPath(config, path, input.checked);
      else if (kind === 'nullable') setPath(config, path, input.value.trim() === '' ? null : input.value.trim());
      else if (kind === 'int') {
        const raw = input.value.trim();
        if (/^\d+$/.test(raw)) setPath(config, path, Number(raw));
        else problems.push({ field: path, problem: 'must be a whole number' });
      } else setPath(config, path, input.value);
    }
    if ($('#f-auto-mode').value === 'after_delay') {
      const seconds = Number($('#f-auto-delay').value);
      if (Number.isFinite(seconds) && $('#f-auto-delay').value.trim() !== '') {
        setPath(config, 'public.auto_open', { mode: 'after_delay', delay_ms: Math.round(seconds * 1000) });
      } else {
        problems.push({ field: 'public.auto_open.delay_ms', problem: 'must be a number of seconds' });
      }
    } else {
      setPath(config, 'public.auto_open', { mode: 'off' });
    }
    setPath(config, 'public.suggested_questions', $$('#questions .row-input').map((i) => i.value));
    config.allowed_origins = $$('#origins .row-input').map((i) => i.value.trim());
    config.knowledge = $$('#knowledge > li').map((row) => ({
      id: row.querySelector('.k-id').value.trim(),
      title: row.querySelector('.k-title').value,
      text: row.querySelector('.k-text').value,
    }));
    return { config, problems };
  }

  previewConfig() {
    if (!this.loaded) return null;
    return { tenant: this.loaded.tenant_id, config: publicConfig(this.read().config, this.version) };
  }

  async save() {
    if (this.saving || !this.loaded) return;
    this.clearErrors();
    const { config, problems } = this.read();
    if (problems.length) {
      this.showErrors(problems, 'Nothing was saved: please fix these fields');
      this.status.textContent = 'Not saved';
      return;
    }
    this.saving = true;
    const button = $('#save');
    button.disabled = true;
    this.status.textContent = 'Saving…';
    try {
      const answer = await this.getClient().putConfig(config);
      this.apply(answer);
      this.status.textContent = `Saved: version ${answer.version} is live`;
      toast(`Saved. Version ${answer.version} is live for your shoppers.`);
    } catch (err) {
      this.status.textContent = 'Not saved';
      if (err instanceof ApiError && err.fields.length) {
        this.showErrors(err.fields, 'Nothing was saved: please fix these fields');
      } else {
        this.showErrors([], describeError(err));
      }
    } finally {
      this.saving = false;
      button.disabled = false;
    }
  }

  // --- errors -------------------------------------------------------------------------------

  clearErrors() {
    for (const node of $$('.field-error', this.form)) node.remove();
    for (const node of $$('[aria-invalid]', this.form)) {
      node.removeAttribute('aria-invalid');
      const described = (node.getAttribute('aria-describedby') || '').split(' ').filter((d) => !d.startsWith('err-'));
      if (described.length) node.setAttribute('aria-describedby', described.join(' '));
      else node.removeAttribute('aria-describedby');
    }
    $('#settings-errors').hidden = true;
    clear($('#settings-error-list'));
  }

  /** Editing a field that was refused removes its error (the gateway re-checks on save). */
  clearErrorOf(input) {
    if (!input || input.getAttribute('aria-invalid') !== 'true') return;
    const ids = (input.getAttribute('aria-describedby') || '').split(' ');
    for (const id of ids.filter((d) => d.startsWith('err-'))) {
      const message = document.getElementById(id);
      const field = message && message.dataset.errorFor;
      if (message) message.remove();
      for (const item of $$('#settings-error-list > li')) if (item.dataset.errorFor === field) item.remove();
    }
    input.removeAttribute('aria-invalid');
    const kept = ids.filter((d) => d && !d.startsWith('err-'));
    if (kept.length) input.setAttribute('aria-describedby', kept.join(' '));
    else input.removeAttribute('aria-describedby');
    if (!$('#settings-error-list').children.length) $('#settings-errors').hidden = true;
  }

  /** The element a gateway field path belongs to: exact match, else the nearest parent path. */
  target(field) {
    let path = field;
    while (path) {
      const node = this.form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (node) return node;
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      path = cut > 0 ? path.slice(0, cut) : '';
    }
    return null;
  }

  showErrors(fields, heading) {
    const summary = $('#settings-errors');
    const list = $('#settings-error-list');
    summary.querySelector('h2').textContent = heading;
    let first = null;
    for (const { field, problem } of fields) {
      const target = this.target(field);
      const label = target ? this.labelOf(target) : field;
      if (target) {
        const errId = nextId('err');
        const message = el('p', { class: 'field-error', id: errId, dataset: { errorFor: field } }, `${label}: ${problem}`);
        const anchor = target.closest('.row, .field, .checks, fieldset') || target;
        anchor.append(message);
        if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
          target.setAttribute('aria-invalid', 'true');
          const described = (target.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
          target.setAttribute('aria-describedby', [...described, errId].join(' '));
          first = first || target;
        }
      }
      const focusable = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ? target : null;
      list.append(el('li', { dataset: { errorFor: field } },
        focusable
          ? el('a', {
            href: `#${focusable.id}`,
            onclick: (e) => {
              e.preventDefault(); // the hash names console sections: keep it
              focusable.focus();
            },
          }, `${label}: ${problem}`)
          : `${label} (${field}): ${problem}`));
    }
    summary.hidden = false;
    summary.focus();
    return first;
  }

  labelOf(node) {
    if (node.id) {
      const label = this.form.querySelector(`label[for="${CSS.escape(node.id)}"]`);
      if (label) return label.textContent.trim();
    }
    const legend = node.closest('fieldset') && node.closest('fieldset').querySelector('legend');
    const label = node.closest('label');
    return (label && label.textContent.trim()) || (legend && legend.textContent.trim()) || node.dataset.field;
  }

  reset() {
    this.loaded = null;
    this.version = null;
    this.setDirty(false);
    this.clearErrors();
    this.preview.reset();
  }
}
