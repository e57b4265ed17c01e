// The demo storefront's "Best sellers" from the fake shop (tests/fake-shop), when the page is
// opened as `/?shop=http://127.0.0.1:<port>` (what `cargo xtask dev` prints). Without it, or
// when the fake shop does not answer, the hand-written cards in index.html stay.
// Product text is inserted with textContent only: the catalog is another origin's data.
(() => {
  const param = new URLSearchParams(location.search).get('shop');
  if (!param) return;
  let shop;
  try {
    shop = new URL(param);
  } catch {
    return;
  }
  if (shop.protocol !== 'http:' && shop.protocol !== 'https:') return;
  const grid = document.querySelector('#jackets .grid');
  if (!grid) return;

  const swatches = ['teal', 'brown', 'orange', 'slate'];
  const price = new Intl.NumberFormat(document.documentElement.lang || 'en', { style: 'currency', currency: 'EUR' });

  function text(html) {
    // DOMParser never runs scripts or loads resources; textContent drops every tag.
    return new DOMParser().parseFromString(html ?? '', 'text/html').body.textContent ?? '';
  }

  function card(product, index) {
    const li = document.createElement('li');
    li.className = 'card';
    li.dataset.handle = product.handle;
    const swatch = document.createElement('div');
    swatch.className = `swatch ${swatches[index % swatches.length]}`;
    swatch.setAttribute('aria-hidden', 'true');
    const title = document.createElement('h3');
    title.textContent = product.title;
    const blurb = document.createElement('p');
    blurb.textContent = text(product.body_html).split('. ')[0];
    const cents = Math.min(...product.variants.map((v) => Math.round(Number(v.price) * 100)));
    const amount = document.createElement('p');
    amount.className = 'price';
    amount.textContent = Number.isFinite(cents) ? price.format(cents / 100) : '';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = product.variants.some((v) => v.available) ? 'Add to cart' : 'Sold out';
    button.disabled = !product.variants.some((v) => v.available);
    li.append(swatch, title, blurb, amount, button);
    return li;
  }

  fetch(new URL('/shopify/products.json?limit=8&page=1', shop))
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`status ${response.status}`))))
    .then((body) => {
      const products = Array.isArray(body.products) ? body.products : [];
      if (products.length === 0) return;
      grid.replaceChildren(...products.map(card));
      grid.dataset.source = 'fake-shop';
    })
    .catch((error) => {
      // The static cards stay; say why for whoever runs the demo.
      console.warn(`Best sellers: the fake shop at ${shop.origin} did not answer (${error.message})`);
    });
})();
