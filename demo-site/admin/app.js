// Shopkeep admin console: sign-in, section routing (#settings, #embed, …) and the embed snippet.
// The admin secret lives only in this tab's sessionStorage and signs requests (api.js).

import { AdminClient, KID_RE, SECRET_RE, TENANT_RE, describeError } from './api.js';
import { $, $$, showError, toast } from './dom.js';
import { Settings } from './settings.js';
import { Conversations } from './conversations.js';
import { Analytics } from './analytics.js';
import { Privacy } from './privacy.js';
import { Catalog } from './catalog.js';
import { Knowledge } from './knowledge.js';
import { widgetAssets } from './widget-assets.js';

const STORE_KEY = 'shopkeep-admin:v1:credentials';
const VIEWS = ['settings', 'embed', 'conversations', 'analytics', 'catalog', 'knowledge', 'privacy'];

let client = null;
const getClient = () => {
  if (!client) throw new Error('Not signed in.');
  return client;
};

const settings = new Settings({ getClient, onConfig: (config) => renderEmbed(config) });
const conversations = new Conversations({ getClient });
const analytics = new Analytics({ getClient });
const privacy = new Privacy({ getClient });
const catalog = new Catalog({ getClient });
const knowledge = new Knowledge({ getClient });

function saveCredentials(creds) {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(creds));
  } catch (e) { /* storage blocked: signed in for this page view only */ }
}

function loadCredentials() {
  try {
    const creds = JSON.parse(sessionStorage.getItem(STORE_KEY));
    if (creds && TENANT_RE.test(creds.tenant) && KID_RE.test(creds.kid) && SECRET_RE.test(creds.secretHex)) return creds;
  } catch (e) { /* nothing stored */ }
  return null;
}

// --- views --------------------------------------------------------------------------------

function currentView() {
  const name = location.hash.slice(1);
  return VIEWS.includes(name) ? name : 'settings';
}

function showView(name, { focus = true } = {}) {
  const signedIn = Boolean(client);
  $('#view-signin').hidden = signedIn;
  $('#tabs').hidden = !signedIn;
  $('#who').hidden = !signedIn;
  for (const view of VIEWS) $(`#view-${view}`).hidden = !signedIn || view !== name;
  for (const link of $$('#tabs a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = signedIn ? name : 'signin';
  if (!signedIn) return;
  document.title = `${$(`#view-${name} h1`).textContent} · Shopkeep admin`;
  if (name === 'conversations') conversations.show();
  if (name === 'analytics') analytics.show();
  if (name === 'privacy') privacy.show();
  catalog.visible(name === 'catalog');
  if (name === 'knowledge') knowledge.show();
  if (focus) $(`#view-${name} h1`).focus();
}

window.addEventListener('hashchange', () => {
  if (client) showView(currentView());
});

// --- sign-in ------------------------------------------------------------------------------

async function signIn(creds, { quiet = false } = {}) {
  const error = $('#signin-error');
  showError(error, '');
  let candidate;
  try {
    candidate = new AdminClient(creds);
  } catch (err) {
    showError(error, err.message);
    return false;
  }
  const button = $('#signin-submit');
  button.disabled = true;
  button.textContent = 'Signing in…';
  client = candidate;
  try {
    await settings.load();
  } catch (err) {
    client = null;
    if (!quiet) {
      showError(error, describeError(err));
      $('#si-secret').focus();
    }
    return false;
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
  saveCredentials(creds);
  $('#who-tenant').textContent = creds.tenant;
  $('#who-kid').textContent = creds.kid;
  $('#si-secret').value = '';
  showView(currentView());
  return true;
}

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const tenant = $('#si-tenant').value.trim();
  const kid = $('#si-kid').value.trim();
  const secretHex = $('#si-secret').value.trim().toLowerCase();
  const problems = [];
  if (!TENANT_RE.test(tenant)) problems.push(['#si-tenant', 'The tenant id is 2–64 lower-case letters, digits and dashes, starting with a letter.']);
  if (!KID_RE.test(kid)) problems.push(['#si-kid', 'The key id looks like a1.']);
  if (!SECRET_RE.test(secretHex)) problems.push(['#si-secret', 'The secret is 64 hexadecimal characters (0–9, a–f).']);
  for (const id of ['#si-tenant', '#si-kid', '#si-secret']) $(id).removeAttribute('aria-invalid');
  if (problems.length) {
    for (const [id] of problems) $(id).setAttribute('aria-invalid', 'true');
    showError($('#signin-error'), problems.map((p) => p[1]).join(' '));
    $(problems[0][0]).focus();
    return;
  }
  await signIn({ tenant, kid, secretHex });
});

$('#sign-out').addEventListener('click', () => {
  if (settings.dirty && !window.confirm('Sign out and lose your unsaved changes?')) return;
  try {
    sessionStorage.removeItem(STORE_KEY);
  } catch (e) { /* nothing stored */ }
  client = null;
  settings.reset();
  conversations.reset();
  analytics.reset();
  privacy.reset();
  catalog.reset();
  knowledge.reset();
  $('#si-secret').value = '';
  showView('signin', { focus: false });
  $('#signin-h').focus();
  toast('Signed out. The admin secret was removed from this browser tab.');
});

// --- embed snippet ------------------------------------------------------------------------

function snippetFor(tenant) {
  return `<script async src="${location.origin}/embed.js" data-tenant="${tenant}"></script>`;
}

function renderEmbed(config) {
  $('#snippet').value = snippetFor(config.tenant_id);
  $('#embed-origins').textContent = (config.allowed_origins || []).join(', ') || 'none';
}

$('#copy-snippet').addEventListener('click', async () => {
  const text = $('#snippet').value;
  const status = $('#copy-status');
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied to the clipboard.';
  } catch (e) {
    $('#snippet').select();
    status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
  }
});

widgetAssets()
  .then((a) => {
    $('#embed-version').textContent = `Current widget version: ${a.version}.`;
  })
  .catch(() => {});

// --- start --------------------------------------------------------------------------------

const params = new URLSearchParams(location.search);
if (TENANT_RE.test(params.get('tenant') || '')) $('#si-tenant').value = params.get('tenant');
const stored = loadCredentials();
showView('signin', { focus: false });
if (stored) {
  $('#si-tenant').value = stored.tenant;
  $('#si-kid').value = stored.kid;
  signIn(stored, { quiet: true }).then((ok) => {
    if (!ok) showError($('#signin-error'), 'Your session has ended: please sign in again.');
  });
}
