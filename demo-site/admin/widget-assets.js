// Where the current (versioned, immutable) widget module lives on this gateway.
//
// Contract: `GET /widget/current.json` → {"version": "<hash>", "module": "/widget/<hash>/shopkeep_widget_p.js",
// "wasm": "/widget/<hash>/shopkeep_widget_p_bg.wasm"}. Until the build writes that file, the
// version is read from embed.js, which names it.

let cached = null;

export function widgetAssets() {
  cached ||= find().catch((err) => {
    cached = null;
    throw err;
  });
  return cached;
}

async function find() {
  try {
    const response = await fetch('/widget/current.json', { cache: 'no-store' });
    if (response.ok) {
      const info = await response.json();
      if (typeof info.module === 'string' && typeof info.wasm === 'string') {
        return { version: String(info.version || ''), module: new URL(info.module, location.origin).href, wasm: new URL(info.wasm, location.origin).href };
      }
    }
  } catch (e) {
    // fall through to embed.js
  }
  const response = await fetch('/embed.js', { cache: 'no-store' });
  if (!response.ok) throw new Error(`embed.js answered ${response.status}`);
  const match = /\/widget\/([0-9a-zA-Z_-]+)\//.exec(await response.text());
  if (!match) throw new Error('embed.js does not name a widget version');
  const base = `${location.origin}/widget/${match[1]}/`;
  return { version: match[1], module: `${base}shopkeep_widget_p.js`, wasm: `${base}shopkeep_widget_p_bg.wasm` };
}
