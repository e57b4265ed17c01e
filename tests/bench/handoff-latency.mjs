// `cargo xtask bench --sections handoff`: staff reply → shopper's live socket latency against
// the local stack (workerd, D1, the conversation's Durable Object). Not a test: it prints one
// JSON line for xtask/src/bench/handoff.rs.
//
// The staff member is a real staff account (invite → passkey with the software authenticator
// → session cookie), as the console works. Two paths, 200 replies each, one after another:
//   - console: `POST …/conversations/{c}/messages` with the session cookie (what the Inbox
//     tab sends), until the shopper socket has the entry;
//   - socket: a `message` frame on the staff socket (ticket from the session), until the
//     shopper socket has it (the staff socket is reconnected every 15 frames: its burst budget
//     is 20 frames).
// Each latency is the wall time from the send to the frame's arrival on the shopper socket.
import { createTenantWithKeys, session } from '../e2e/gateway.mjs';
import { LiveClient, shopper, shopperTicket } from '../e2e/handoff-helpers.mjs';
import { authenticator, invite, register, staffCall } from '../e2e/staff-helpers.mjs';

const N = Number(process.env.SHOPKEEP_BENCH_HANDOFF_N ?? 200);

function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, p50_ms: at(50), p99_ms: at(99), max_ms: sorted.at(-1), mean_ms: mean };
}

async function main() {
  const t = await createTenantWithKeys('bench-handoff');
  const auth = authenticator();
  const inv = await invite(t, 'Bench', 'agent');
  const { cookie } = await register(t.id, auth, inv.secret);
  const s = await session(t.id);
  const c = s.conversation_id;
  const asked = await shopper('POST', '/v1/handoff', s.token, {});
  if (asked.status !== 200) throw new Error(`handoff: ${asked.status}`);
  const took = await staffCall(t.id, 'POST', `/conversations/${c}/take`, { cookie, body: {} });
  if (took.status !== 200) throw new Error(`take: ${took.status}`);

  const shopperSide = new LiveClient(() => shopperTicket(s.token));
  await shopperSide.connect();
  const arrived = (text) => shopperSide.until(() => shopperSide.log.at(-1)?.text === text, 10_000, text);

  const console = [];
  for (let k = 0; k < N; k += 1) {
    const text = `console reply ${k}`;
    const sent = performance.now();
    const r = await staffCall(t.id, 'POST', `/conversations/${c}/messages`, { cookie, body: { text, client_id: `b-${k}`, name: 'Bench' } });
    if (r.status !== 200) throw new Error(`reply ${k}: ${r.status} ${JSON.stringify(r.json)}`);
    await arrived(text);
    console.push(shopperSide.log.at(-1).received_at - sent);
  }

  const ticket = async () => {
    const r = await staffCall(t.id, 'POST', `/conversations/${c}/live/ticket`, { cookie, body: { name: 'Bench' } });
    if (r.status !== 200) throw new Error(`ticket: ${r.status}`);
    return r.json.ticket;
  };
  const staffSide = new LiveClient(ticket);
  await staffSide.connect();
  const socket = [];
  for (let k = 0; k < N; k += 1) {
    if (k > 0 && k % 15 === 0) await staffSide.reconnect();
    const text = `socket reply ${k}`;
    const sent = performance.now();
    staffSide.send(text);
    await arrived(text);
    socket.push(shopperSide.log.at(-1).received_at - sent);
  }
  await Promise.all([shopperSide.close(), staffSide.close()]);
  const lost = shopperSide.log.filter((e) => e.author === 'staff').length !== 2 * N;
  process.stdout.write(`${JSON.stringify({ console: summary(console), socket: summary(socket), duplicates: shopperSide.repeats, lost })}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`handoff bench: ${err.stack || err}\n`);
  process.exit(1);
});
