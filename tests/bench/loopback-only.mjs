// Preloaded (`node --import`) into the peer gateway the benchmark runs (Portkey's): every
// server it starts listens on 127.0.0.1 only, and every connection it opens must go to
// 127.0.0.1 — a benchmark never reaches the network.
//
// It also works around a defect outside our code: @hono/node-server's lightweight Response
// keeps the `Headers` of the response it was built from, and a `fetch()` response's headers are
// immutable, so Portkey's node build fails every streamed completion with "TypeError:
// immutable" when it adds its own headers. Fetch responses are handed over with mutable
// headers (same status, same streamed body); this costs one object per request.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'object' && args[0] !== null) {
    args[0] = { ...args[0], host: '127.0.0.1' };
    return listen.apply(this, args);
  }
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const [port, ...rest] = args;
    return listen.call(this, port, '127.0.0.1', ...rest.filter((a) => typeof a !== 'string'));
  }
  return listen.apply(this, args);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : null;
  const host = options ? (options.host ?? 'localhost') : typeof args[1] === 'string' ? args[1] : 'localhost';
  if (!options?.path && !LOOPBACK.has(host)) {
    throw new Error(`loopback-only: refusing a connection to ${host}`);
  }
  return connect.apply(this, args);
};

const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!LOOPBACK.has(url.hostname)) throw new Error(`loopback-only: refusing to fetch ${url.href}`);
  const response = await realFetch(input, init);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
};
