// The benchmark's host pages: one plain storefront page, identical for every widget, with the
// widget's embed snippet (as its README shows it) at the end of <body>; and how to find each
// widget's launcher once it is drawn.

/** The host page; `snippet` goes last in <body>. */
export function pageHtml(snippet) {
  const cards = [
    ['Summit jacket', 'Fully waterproof, 390 g, packs into its own pocket.', '189 EUR'],
    ['Ridge trail boots', 'Waterproof membrane, Vibram outsole, leather upper.', '159 EUR'],
    ['Alpine fleece', 'Warm, light and quick to dry, for cold mornings.', '79 EUR'],
    ['Trail daypack 24 l', 'Ventilated back, rain cover, hydration sleeve.', '99 EUR'],
    ['Merino base layer', 'Soft merino wool that does not itch or smell.', '69 EUR'],
    ['Camp mug', 'Double-walled steel, keeps tea hot for an hour.', '24 EUR'],
  ].map(([name, text, price]) => `<article class="card"><h2>${name}</h2><p>${text}</p><p class="price">${price}</p><button type="button">Add to cart</button></article>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outfitters — gear for every trail</title>
<style>
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#fff}
header{display:flex;justify-content:space-between;align-items:center;padding:16px 32px;background:#0f766e;color:#fff}
header a{color:#fff;margin-left:16px;text-decoration:none}
main{max-width:1040px;margin:0 auto;padding:24px 32px}
h1{font-size:32px;margin:8px 0}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:16px;margin-top:24px}
.card{border:1px solid #e5e7eb;border-radius:10px;padding:16px}
.card h2{font-size:18px;margin:0 0 4px}.price{font-weight:700}
.card button{background:#0f766e;color:#fff;border:0;border-radius:8px;padding:8px 12px}
footer{padding:24px 32px;color:#6b7280;font-size:14px}
</style>
</head>
<body>
<header><strong>Acme Outfitters</strong><nav><a href="#">Jackets</a><a href="#">Boots</a><a href="#">Packs</a></nav></header>
<main>
<h1>Gear for every trail</h1>
<p>Outdoor clothing and equipment, tested on the mountains around Munich. Free shipping on orders over 60 EUR, free returns within 30 days.</p>
<section class="grid">
${cards}
</section>
</main>
<footer>Acme Outfitters · Bergstrasse 12, Munich · Monday to Saturday 10:00–19:00</footer>
${snippet}
</body>
</html>
`;
}

/** Each widget's embed snippet; `origin` is the static server (also the peers' dummy API). */
export const SNIPPETS = {
  shopkeep: ({ tenant, src = '/shopkeep/embed.js' }) =>
    `<script async src="${src}" data-tenant="${tenant}"></script>`,
  typebot: ({ origin }) =>
    `<script type="module">import Typebot from '/peers/typebot/web.js';
Typebot.initBubble({ typebot: 'benchmark', apiHost: '${origin}/api/typebot', theme: { button: { backgroundColor: '#0f766e' } } });</script>`,
  flowise: ({ origin }) =>
    `<script type="module">import Chatbot from '/peers/flowise/web.js';
Chatbot.init({ chatflowid: 'benchmark', apiHost: '${origin}/api/flowise' });</script>`,
  n8n: ({ origin }) =>
    `<link href="/peers/n8n/style.css" rel="stylesheet">
<script type="module">import { createChat } from '/peers/n8n/chat.bundle.es.js';
createChat({ webhookUrl: '${origin}/api/n8n/webhook' });</script>`,
  botpress: () =>
    `<link href="/peers/botpress/webchat.css" rel="stylesheet">
<script type="module">import { init } from '/peers/botpress/webchat.js';
init({ clientId: '00000000-0000-4000-8000-000000000000' });</script>`,
};

/** Source of a function returning the launcher element (or null), run inside the page. */
export const FINDERS = {
  // The page without a widget runs the same per-frame check, so every page pays for it.
  none: `() => null`,
  shopkeep: `() => document.querySelector('#shopkeep-host')?.shadowRoot?.querySelector('[data-sk=launcher]')`,
  typebot: `() => document.querySelector('typebot-bubble')?.shadowRoot?.querySelector('button[part=button]')`,
  flowise: `() => document.querySelector('flowise-chatbot')?.shadowRoot?.querySelector('button[part=button]')`,
  n8n: `() => document.querySelector('.chat-window-toggle')`,
  botpress: `() => document.querySelector('.bpFabContainer')`,
};
