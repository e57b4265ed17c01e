// Proves SPEC §1 step 4 through the real gateway: a message typed in the panel reaches the
// AI runtime (the fake upstream logs it) and the reply is painted while it streams — in at
// least two separate animation frames — before ending with data-status=complete. Saves the
// desktop screenshot of the open panel used in the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATEWAY, FAKE_ANSWER_TAIL, launchBrowser, openPage, openPanel, startPaintCounter,
  stopPaintCounter, sendAndWait, uniqueQuestion, upstreamRequests, lastUserText, screenshot,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('a reply streams in over several painted frames and completes', async () => {
  const { context, page, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    await openPanel(page);
    const question = uniqueQuestion('Do you ship to Norway?');
    await startPaintCounter(page);
    const { status, text } = await sendAndWait(page, question);
    const paint = await stopPaintCounter(page);

    assert.equal(status, 'complete', `the reply ends complete (text: ${text})`);
    assert.ok(text.includes(FAKE_ANSWER_TAIL), `the reply is the fake runtime's answer: ${text}`);
    assert.ok(
      paint.growthFrames >= 2,
      `the reply grew in ${paint.growthFrames} painted frame(s) (lengths ${paint.lengths.join(', ')}); streaming needs ≥ 2`,
    );

    const received = await upstreamRequests();
    const sent = received.find((entry) => lastUserText(entry.body).includes(question));
    assert.ok(sent, `the fake upstream received the message (got ${received.length} request(s))`);
    assert.equal(sent.body.stream, true, 'the gateway asks the runtime to stream');

    await screenshot(page, 'panel-desktop.png');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
