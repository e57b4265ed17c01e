// Samples the gateway worker's CPU with V8's profiler through wrangler dev's inspector, for
// `seconds`, and prints self time per function (the worker's wasm keeps its name section, so
// Rust functions appear by name). Used by hand to find where a turn's CPU goes:
//   node tests/bench/cpu-profile.mjs <inspector-port> <seconds> [out.cpuprofile]
// while `cargo xtask bench --sections gateway` (or any load) runs against that gateway.
import { writeFileSync } from "node:fs";

const [port, seconds = "10", out] = process.argv.slice(2);
const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const ws = new WebSocket(list[0].webSocketDebuggerUrl);
// An open WebSocket does not keep node's event loop alive; this does until the profile is in.
const keepAlive = setInterval(() => {}, 1000);
let next = 1;
const pending = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
};
await new Promise((ok, bad) => {
  ws.onopen = ok;
  ws.onerror = bad;
});
const call = (method, params = {}) =>
  new Promise((ok) => {
    const id = next++;
    pending.set(id, ok);
    ws.send(JSON.stringify({ id, method, params }));
  });
// workerd echoes `Profiler.enable`/`start` back without a result and answers only `stop`;
// it does not answer `Profiler.setSamplingInterval`, so the default interval (1 ms) is used.
await call("Profiler.enable");
await call("Profiler.start");
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
const { result, error } = await call("Profiler.stop");
ws.close();
clearInterval(keepAlive);
if (error) throw new Error(JSON.stringify(error));
const profile = result.profile;
if (out) writeFileSync(out, JSON.stringify(profile));
// Self time per node from the samples.
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const d = profile.timeDeltas[i] ?? 0;
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + d);
}
const byName = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = dt.get(node.id) ?? 0;
  total += us;
  const f = node.callFrame;
  const name = `${f.functionName || "(anonymous)"} ${f.url ? f.url.split("/").pop() : ""}`.trim();
  byName.set(name, (byName.get(name) ?? 0) + us);
}
const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 60);
console.log(`total sampled ${(total / 1000).toFixed(1)} ms`);
for (const [name, us] of top) {
  console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us * 100) / total).toFixed(1).padStart(5)}%  ${name}`);
}
