// Shopkeep admin console: sign-in, section routing (#settings, #embed, …) and the embed snippet.
// The admin secret lives only in this tab's sessionStorage and signs requests (api.js).

import { AdminClient, ApiError, KID_RE, SECRET_RE, TENANT_RE, describeError } from './api.js';
import { $, $$, clear, el, showError, toast } from './dom.js';
import { Settings } from './settings.js';
import { Conversations } from './conversations.js';
import { Analytics } from './analytics.js';
import { Privacy } from './privacy.js';
import { Catalog } from './catalog.js';
import { Knowledge } from './knowledge.js';
import { widgetAssets } from './widget-assets.js';
import { Inbox } from './inbox.js';
import { Staff } from './staff.js';
import { Webhooks } from './webhooks.js';
import { StaffClient, addPasskey, passkeysSupported, registerPasskey, signInWithPasskey, staffMe, staffSignOut } from './staff-api.js';

const STORE_KEY = 'shopkeep-admin:v1:credentials';
// The tenant of the last staff sign-in (the session itself is an HttpOnly cookie).
const STAFF_TENANT_KEY = 'shopkeep-admin:v1:staff-tenant';
const VIEWS = ['inbox', 'settings', 'embed', 'conversations', 'analytics', 'catalog', 'knowledge', 'privacy', 'staff', 'webhooks'];
const ADMIN_ONLY = VIEWS.filter((v) => v !== 'inbox');

let client = null;
// 'admin' (the admin key or an admin staff member) or 'agent' (the inbox only).
let role = 'admin';
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
const staffName = () => (client && client.me && client.me.staff ? client.me.staff.name : 'Staff');
const inbox = new Inbox({ getClient, staffName });
const staffView = new Staff({ getClient });
const webhooks = new Webhooks({ getClient });

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
  if (role === 'agent') return 'inbox';
  return VIEWS.includes(name) ? name : 'settings';
}

function showView(name, { focus = true } = {}) {
  const signedIn = Boolean(client);
  if (signedIn && role === 'agent' && ADMIN_ONLY.includes(name)) name = 'inbox';
  $('#view-signin').hidden = signedIn || name === 'invite';
  $('#view-invite').hidden = signedIn || name !== 'invite';
  $('#tabs').hidden = !signedIn;
  $('#who').hidden = !signedIn;
  // Only a staff member has passkeys of their own (the admin key is nobody's).
  $('#add-passkey').hidden = !(client instanceof StaffClient);
  for (const link of $$('#tabs a[data-admin-only]')) link.hidden = role === 'agent';
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
  inbox.show(name === 'inbox');
  if (name === 'staff') staffView.show();
  if (name === 'webhooks') webhooks.show();
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
  role = 'admin';
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
  $('#who-label').textContent = 'key';
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

// --- staff: passkeys -----------------------------------------------------------------------

async function startStaff(tenant, me) {
  client = new StaffClient({ tenant, me });
  role = me.role === 'admin' ? 'admin' : 'agent';
  try {
    localStorage.setItem(STAFF_TENANT_KEY, tenant);
  } catch (e) { /* storage blocked */ }
  $('#who-tenant').textContent = tenant;
  $('#who-label').textContent = 'signed in as';
  $('#who-kid').textContent = me.staff ? `${me.staff.name} (${me.role})` : me.role;
  if (role === 'admin') {
    try { await settings.load(); } catch (err) { /* the settings view shows its own error */ }
  }
  if (history.replaceState && location.hash.startsWith('#invite=')) history.replaceState(null, '', `${location.pathname}${location.search}`);
  showView(role === 'agent' ? 'inbox' : currentView());
}

$('#passkey-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const tenant = $('#sp-tenant').value.trim();
  const error = $('#passkey-error');
  showError(error, '');
  if (!TENANT_RE.test(tenant)) {
    showError(error, 'The tenant id is 2–64 lower-case letters, digits and dashes, starting with a letter.');
    return;
  }
  if (!passkeysSupported()) {
    showError(error, 'This browser cannot use passkeys: sign in with the admin key, or use another browser.');
    return;
  }
  const button = $('#signin-passkey');
  button.disabled = true;
  try {
    await signInWithPasskey(tenant);
    await startStaff(tenant, await staffMe(tenant));
  } catch (err) {
    showError(error, err.name === 'NotAllowedError' ? 'The passkey prompt was cancelled or timed out.' : describeError(err));
  } finally {
    button.disabled = false;
  }
});

$('#invite-register').addEventListener('click', async () => {
  const tenant = new URLSearchParams(location.search).get('tenant') || '';
  const secret = location.hash.slice('#invite='.length);
  const error = $('#invite-error');
  showError(error, '');
  if (!passkeysSupported()) {
    showError(error, 'This browser cannot create passkeys: open the link in a current browser.');
    return;
  }
  const button = $('#invite-register');
  button.disabled = true;
  try {
    await registerPasskey(tenant, secret);
    await startStaff(tenant, await staffMe(tenant));
    toast('Your passkey is registered: next time, sign in with one touch.');
  } catch (err) {
    showError(error, err.name === 'NotAllowedError' ? 'The passkey prompt was cancelled or timed out.' : describeError(err));
  } finally {
    button.disabled = false;
  }
});

// --- staff: another passkey for the signed-in member ---------------------------------------

function showPasskeyOutcome(ok, problem) {
  const result = clear($('#passkey-add-result'));
  if (ok) result.append(el('p', { class: 'ok' }, ok));
  showError($('#passkey-add-error'), problem);
}

/** What went wrong adding a passkey, in the member's words, and what to do next. */
function addPasskeyProblem(err) {
  const again = 'No passkey was added; press "Add a passkey on this device" to try again.';
  if (err && err.name === 'NotAllowedError') return `The passkey prompt was cancelled or timed out. ${again}`;
  if (err && err.name === 'InvalidStateError') {
    return 'This device (or security key) already holds one of your passkeys, so it did not make another. '
      + 'Use a different device or security key to add one.';
  }
  if (err instanceof ApiError) {
    if (err.code === 'invalid_request' && /most passkeys/i.test(err.message)) {
      return 'You have the most passkeys allowed (10): no passkey was added. Sign in with one you have.';
    }
    if (err.status === 401 && /challenge/i.test(err.message)) {
      return `The passkey request expired or was already used before it was finished. ${again}`;
    }
    if (err.status === 401) return 'Your session has ended: sign out, then sign in again with your passkey.';
  }
  return describeError(err);
}

$('#add-passkey').addEventListener('click', async () => {
  if (!(client instanceof StaffClient)) return;
  showPasskeyOutcome('', '');
  if (!passkeysSupported()) {
    showPasskeyOutcome('', 'This browser cannot create passkeys: use a current browser to add one.');
    return;
  }
  const button = $('#add-passkey');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const answer = await addPasskey(client.tenant);
    const count = answer && Number.isFinite(answer.passkeys) ? answer.passkeys : null;
    showPasskeyOutcome(
      `Passkey added${count ? `: you now have ${count} passkeys` : ''}. Sign in with any of them next time.`,
      '',
    );
    if (document.body.dataset.view === 'staff') staffView.load();
  } catch (err) {
    showPasskeyOutcome('', addPasskeyProblem(err));
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
});

$('#sign-out').addEventListener('click', () => {
  if (settings.dirty && !window.confirm('Sign out and lose your unsaved changes?')) return;
  try {
    sessionStorage.removeItem(STORE_KEY);
  } catch (e) { /* nothing stored */ }
  if (client instanceof StaffClient) {
    staffSignOut(client.tenant).catch(() => {});
    try { localStorage.removeItem(STAFF_TENANT_KEY); } catch (e) { /* nothing stored */ }
  }
  showPasskeyOutcome('', '');
  inbox.reset();
  staffView.reset();
  webhooks.reset();
  role = 'admin';
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
if (TENANT_RE.test(params.get('tenant') || '')) {
  $('#si-tenant').value = params.get('tenant');
  $('#sp-tenant').value = params.get('tenant');
}
const stored = loadCredentials();
let staffTenant = null;
try { staffTenant = localStorage.getItem(STAFF_TENANT_KEY); } catch (e) { /* storage blocked */ }
if (!$('#sp-tenant').value && TENANT_RE.test(staffTenant || '')) $('#sp-tenant').value = staffTenant;
if (location.hash.startsWith('#invite=') && TENANT_RE.test(params.get('tenant') || '')) {
  $('#invite-tenant').textContent = params.get('tenant');
  showView('invite', { focus: false });
} else {
  showView('signin', { focus: false });
}
if (!stored && !location.hash.startsWith('#invite=') && TENANT_RE.test(staffTenant || '')) {
  // A staff session may still be live (its cookie is HttpOnly: ask the gateway).
  staffMe(staffTenant).then((me) => startStaff(staffTenant, me)).catch(() => {});
}
if (stored) {
  $('#si-tenant').value = stored.tenant;
  $('#si-kid').value = stored.kid;
  signIn(stored, { quiet: true }).then((ok) => {
    if (!ok) showError($('#signin-error'), 'Your session has ended: please sign in again.');
  });
}
