// Proves the gateway refuses abusive volume before it costs anything (issue 10): an oversized
// body is refused with 413 after reading only limit + 1 bytes, even when it is sent chunked
// without a Content-Length. One case per defect, named after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { GATEWAY } from './helpers.mjs';
import { session } from './gateway.mjs';

const MiB = 1024 * 1024;

/**
 * POSTs a body that never ends on its own: 8 KiB chunks of JSON whitespace with short pauses,
 * up to 50 MiB, chunked (no Content-Length). Resolves with the response and how much the
 * client had produced when it arrived; writing stops then.
 *
 * node:http rather than fetch: the gateway answers and closes while the client is still
 * sending, and undici's fetch then fails the response body with the upload's EPIPE
 * ("terminated"), while node:http delivers the response it already received.
 */
function endlessUpload(path, headers) {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(8 * 1024, 0x20);
    let produced = 0;
    let answered = null;
    const req = http.request(new URL(path, GATEWAY), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: GATEWAY, ...headers },
    });
    req.on('response', (res) => {
      answered = { status: res.statusCode, produced, exhausted: produced >= 50 * MiB };
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ ...answered, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    // Writing into a connection the gateway closed after answering fails; that is expected.
    req.on('error', (e) => { if (!answered) reject(e); });
    const pump = () => {
      if (answered || req.destroyed) return;
      if (produced >= 50 * MiB) {
        req.end();
        return;
      }
      produced += chunk.length;
      req.write(chunk);
      setTimeout(pump, 1);
    };
    pump();
  });
}

test('oversized bodies were buffered whole before the 413', async () => {
  const { token } = await session('demo');
  for (const [path, headers] of [
    ['/v1/sessions', {}],
    ['/v1/chat', { authorization: `Bearer ${token}` }],
  ]) {
    const r = await endlessUpload(path, headers);
    assert.equal(r.status, 413, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'payload_too_large');
    assert.equal(r.exhausted, false, `${path}: the gateway read all 50 MiB before answering`);
    // The limit is 16 KiB; what the client produced beyond it sat in socket buffers.
    assert.ok(r.produced < 2 * MiB, `${path}: ${r.produced} bytes were pulled before the 413`);
  }
});
