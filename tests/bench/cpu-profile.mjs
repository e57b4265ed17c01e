// Samples CPU with V8's profiler in every isolate of the workerd that runs the gateway in
// `wrangler dev` (the gateway worker, and miniflare's own workers around it: the entry worker,
// the asset router, D1's workers, the outbound service, …) for `seconds`, and prints each
// isolate's busy time and, for the gateway, self time per function (its wasm keeps its name
// section, so Rust functions appear by name). Used by hand to find where a turn's CPU goes:
//   node tests/bench/cpu-profile.mjs <workerd-inspector-port> <seconds> [out-prefix]
// while the gateway is under load (e.g. `cargo xtask bench --sections gateway`). The port is
// workerd's own inspector (the one whose /json/list names `core:user:shopkeep-gateway`), not
// wrangler's proxy. Sampling slows the isolates down several-fold: read shares, not times.
import { writeFileSync } from "node:fs";

const [port, seconds = "10", out] = process.argv.slice(2);
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
// An open WebSocket does not keep node's event loop alive; this does until the profiles are in.
const keepAlive = setInterval(() => {}, 1000);

async function session(url) {
  const ws = new WebSocket(url);
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
  // Some internal isolates never answer; a call gives up after `wait` ms.
  const call = (method, params = {}, wait = 3000) =>
    new Promise((ok) => {
      const id = next++;
      pending.set(id, ok);
      ws.send(JSON.stringify({ id, method, params }));
      setTimeout(() => {
        if (pending.delete(id)) ok({ error: "no answer" });
      }, wait);
    });
  return { ws, call };
}

// workerd echoes `Profiler.enable`/`start` back without a result and answers only `stop`;
// it does not answer `Profiler.setSamplingInterval`, so the default interval (1 ms) is used.
const sessions = [];
for (const t of targets) {
  try {
    const s = await session(t.webSocketDebuggerUrl);
    if ((await s.call("Profiler.enable")).error || (await s.call("Profiler.start")).error) {
      s.ws.close();
      continue;
    }
    sessions.push({ id: t.id, ...s });
  } catch {
    // Some internal workers refuse an inspector; they are left out.
  }
}
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));

function selfTimes(profile) {
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byName = new Map();
  let idle = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const f = node.callFrame;
    if (f.functionName === "(idle)") idle += us;
    const name = `${f.functionName || "(anonymous)"} ${f.url ? f.url.split("/").pop() : ""}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + us);
  }
  return { byName, busy: total - idle, total };
}

const rows = [];
let gateway = null;
for (const s of sessions) {
  const { result } = await s.call("Profiler.stop", {}, 20000);
  s.ws.close();
  if (!result?.profile) continue;
  if (out) writeFileSync(`${out}.${s.id.replace(/[^A-Za-z0-9_-]/g, "_")}.cpuprofile`, JSON.stringify(result.profile));
  const times = selfTimes(result.profile);
  rows.push([s.id, times.busy]);
  if (s.id === "core:user:shopkeep-gateway") gateway = times;
}
clearInterval(keepAlive);
const allBusy = rows.reduce((sum, [, b]) => sum + b, 0);
console.log(`busy (sampled, not idle) per isolate over ${seconds} s:`);
for (const [id, busy] of rows.sort((a, b) => b[1] - a[1])) {
  if (busy > 0) console.log(`${(busy / 1000).toFixed(1).padStart(9)} ms ${((busy * 100) / allBusy).toFixed(1).padStart(5)}%  ${id}`);
}
if (gateway) {
  console.log(`\ngateway isolate, self time per function (busy ${(gateway.busy / 1000).toFixed(1)} ms):`);
  const top = [...gateway.byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 50);
  for (const [name, us] of top) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us * 100) / gateway.total).toFixed(1).padStart(5)}%  ${name}`);
  }
}
