// Inside the preview iframe: mounts the real widget (the gateway's current versioned module)
// with the config the console posts, and updates it live.
//
// Widget contract used (see report / docs/ADMIN.md):
//   mount(root, {tenant, gateway, launcher, config})  — `config` (a PublicConfig) is used as is:
//                                                       no fetch, no cache write.
//   widget.set_config(config)                          — replaces the config live.
// A widget build without `set_config` is destroyed and re-mounted on each change; for builds
// that still fetch their config, the config cache is seeded with the unsaved config under the
// saved config's ETag, so the revalidation answers 304 and the unsaved config stays on screen.

import { widgetAssets } from './widget-assets.js';

const ORIGIN = location.origin;
const ICONS = {
  chat: 'M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z',
  help: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17h.01',
  bag: 'M6 7h12l1 14H5L6 7zm3 0V6a3 3 0 0 1 6 0v1',
};
const TENANT_RE = /^[a-z][a-z0-9-]{1,63}$/;

const msg = document.getElementById('msg');
let host = null;
let root = null;
let launcher = null;
let iconPath = null;
let mod = null;
let widget = null;
let mountedTenant = null;
let wantOpen = true;
let pending = null;
let running = false;

function status(mode, message) {
  parent.postMessage({ type: 'shopkeep-preview-status', mode, message }, ORIGIN);
  document.body.dataset.previewMode = mode;
}

/** The host element, shadow root and launcher, built like embed.js builds them. */
function buildHost() {
  host = document.createElement('div');
  host.id = 'shopkeep-host';
  root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    ':host{all:initial;position:fixed;width:0;height:0;bottom:0;right:0;z-index:2147483647}'
    + '[data-sk=launcher]{position:fixed;bottom:20px;right:20px;width:56px;height:56px;padding:0;border:0;border-radius:50%;'
    + 'background-color:#1f6feb;color:#fff;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 16px rgba(0,0,0,.25)}'
    + '[data-sk=launcher][data-side=left]{right:auto;left:20px}[data-sk=launcher]:focus-visible{outline:3px solid #0b5cd5;outline-offset:2px}'
    + 'svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}',
  );
  root.adoptedStyleSheets = [sheet];
  launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.dataset.sk = 'launcher';
  launcher.setAttribute('aria-label', 'Open chat');
  launcher.setAttribute('aria-expanded', 'false');
  const ns = 'http://www.w3.org/2000/svg';
  const icon = document.createElementNS(ns, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('aria-hidden', 'true');
  iconPath = document.createElementNS(ns, 'path');
  iconPath.setAttribute('d', ICONS.chat);
  icon.append(iconPath);
  launcher.append(icon);
  launcher.addEventListener('click', () => {
    if (!widget) return;
    widget.toggle();
    wantOpen = widget.is_open();
  });
  root.append(launcher);
  document.body.append(host);
}

function paintLauncher(config) {
  const theme = config.theme || {};
  // One property set through the CSSOM: an invalid colour is simply ignored by the browser.
  launcher.style.backgroundColor = '';
  if (typeof theme.primary_color === 'string') launcher.style.backgroundColor = theme.primary_color;
  launcher.dataset.side = theme.launcher_position === 'left' ? 'left' : 'right';
  iconPath.setAttribute('d', ICONS[theme.launcher_icon] || ICONS.chat);
}

async function loadModule() {
  if (mod) return mod;
  const assets = await widgetAssets();
  const m = await import(assets.module);
  await m.default({ module_or_path: assets.wasm });
  mod = m;
  return m;
}

/** For widget builds that fetch their own config: see the header comment. */
async function seedCache(tenant, config) {
  const key = `shopkeep:v1:${tenant}:config`;
  let etag = null;
  try {
    const response = await fetch(`/v1/tenants/${encodeURIComponent(tenant)}/config`, { cache: 'no-store', credentials: 'omit' });
    etag = response.headers.get('ETag');
  } catch (e) {
    etag = null;
  }
  let previous = null;
  try {
    previous = localStorage.getItem(key);
    localStorage.setItem(key, JSON.stringify({ etag, config }));
  } catch (e) {
    return () => {};
  }
  return () => {
    try {
      if (previous === null) localStorage.removeItem(key);
      else localStorage.setItem(key, previous);
    } catch (e) { /* storage blocked: nothing to restore */ }
  };
}

async function apply(tenant, config) {
  const m = await loadModule();
  const live = typeof (m.Widget && m.Widget.prototype && m.Widget.prototype.set_config) === 'function';
  if (widget && live && tenant === mountedTenant) {
    widget.set_config(config);
    paintLauncher(config);
    status('live');
    return;
  }
  if (widget) {
    wantOpen = widget.is_open();
    widget.destroy();
    widget = null;
  }
  const restore = live ? () => {} : await seedCache(tenant, config);
  try {
    widget = m.mount(root, { tenant, gateway: ORIGIN, launcher, config });
    // Preview mode: the unsaved config, never cached; the saved one fetched by mount is ignored.
    if (live) widget.set_config(config);
  } finally {
    restore();
  }
  mountedTenant = tenant;
  paintLauncher(config);
  if (wantOpen) widget.open();
  status(live ? 'live' : 'fallback');
}

/** Applies the newest posted config; configs posted meanwhile are coalesced. */
async function drain() {
  if (running) return;
  running = true;
  try {
    while (pending) {
      const { tenant, config } = pending;
      pending = null;
      try {
        await apply(tenant, config);
        msg.textContent = '';
        document.body.dataset.previewVersion = String((Number(document.body.dataset.previewVersion) || 0) + 1);
      } catch (err) {
        msg.textContent = `The widget could not be loaded: ${err && err.message ? err.message : err}`;
        status('error', err && err.message ? err.message : String(err));
      }
    }
  } finally {
    running = false;
  }
}

window.addEventListener('message', (event) => {
  if (event.origin !== ORIGIN || event.source !== parent) return;
  const data = event.data || {};
  if (data.type === 'shopkeep-preview-config' && TENANT_RE.test(data.tenant || '') && data.config && typeof data.config === 'object') {
    pending = { tenant: data.tenant, config: data.config };
    drain();
  } else if (data.type === 'shopkeep-preview-hello') {
    parent.postMessage({ type: 'shopkeep-preview-ready' }, ORIGIN);
  } else if (data.type === 'shopkeep-preview-reset') {
    pending = null;
    if (widget) widget.destroy();
    widget = null;
    mountedTenant = null;
    wantOpen = true;
  }
});

buildHost();
if (parent !== window) parent.postMessage({ type: 'shopkeep-preview-ready' }, ORIGIN);
else msg.textContent = 'This page shows the widget preview inside the Shopkeep admin console.';
