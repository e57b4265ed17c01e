// Pastes `<script async src="<this origin>/embed.js" data-tenant="<?tenant=…>">` into the page,
// as a shop's own page would have it in its HTML.
(function () {
  var tenant = new URLSearchParams(location.search).get('tenant') || '';
  if (!/^[a-z][a-z0-9-]{1,63}$/.test(tenant)) return;
  var s = document.createElement('script');
  s.async = true;
  s.src = location.origin + '/embed.js';
  s.setAttribute('data-tenant', tenant);
  document.head.appendChild(s);
})();
