// Shared plumbing for the end-to-end tests: environment from `cargo xtask test`, headless
// Debian Chromium through playwright-core, and the widget's DOM hooks (inside the open shadow
// root of #shopkeep-host; Playwright's CSS locators pierce open shadow roots).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the end-to-end tests through \`cargo xtask test\``);
  }
  return value;
}

/** `http://127.0.0.1:<port>` of the gateway under test (serves the demo storefront too). */
export const GATEWAY = required('SHOPKEEP_GATEWAY');
/** `http://127.0.0.1:<port>` of the fake AI runtime. */
export const UPSTREAM = required('SHOPKEEP_UPSTREAM');
/** Port for a storefront served by a test on a second origin. */
export const CROSS_ORIGIN_PORT = Number(required('SHOPKEEP_CROSS_ORIGIN_PORT'));
/** Where screenshots go (gitignored). */
export const ARTIFACTS = process.env.SHOPKEEP_ARTIFACTS ?? new URL('./artifacts/', import.meta.url).pathname;

/** The fake upstream's fixed tail of every answer. */
export const FAKE_ANSWER_TAIL = 'This is the fake AI runtime answering in several small chunks.';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches Debian's Chromium (Playwright gives every launch a fresh temporary profile). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.SHOPKEEP_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens a page in a fresh desktop-sized context and records every request and response.
 * Returns { context, page, requests, responses, problems } where problems collects page
 * errors, failed requests and console errors (CORS failures show up there).
 */
export async function openPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const requests = [];
  const responses = [];
  const problems = [];
  const answered = new Set();
  page.on('request', (request) => requests.push(request.url()));
  page.on('response', (response) => {
    responses.push(response);
    answered.add(response.request());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // A fetch the page cancels after its answer arrived (an AbortController cleaned up, a
    // body it did not need) is not a failure the shopper could notice.
    if (reason.includes('ERR_ABORTED') && answered.has(request)) return;
    problems.push(`request failed: ${request.url()} (${reason})`);
  });
  page.on('console', (message) => {
    // Browsers ask for /favicon.ico on their own; that is not the page's doing.
    if (message.type() === 'error' && !message.location()?.url?.endsWith('/favicon.ico')) {
      problems.push(`console error: ${message.text()} (${message.location()?.url ?? ''})`);
    }
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { context, page, requests, responses, problems };
}

/** Locators for the widget's hooks. */
export function widget(page) {
  const host = page.locator('#shopkeep-host');
  const sk = (name) => host.locator(`[data-sk=${name}]`);
  return {
    host,
    launcher: sk('launcher'),
    panel: sk('panel'),
    input: sk('input'),
    send: sk('send'),
    stop: sk('stop'),
    error: sk('error'),
    retry: sk('retry'),
    suggestions: sk('suggestion'),
    assistantMessages: host.locator('[data-sk=message][data-role=assistant]'),
    userMessages: host.locator('[data-sk=message][data-role=user]'),
  };
}

/** True for requests of the widget's module or wasm. */
export const isWidgetAsset = (url) => new URL(url).pathname.includes('/widget/');

/** Clicks the launcher (unless the panel is already open) and waits for the panel. */
export async function openPanel(page) {
  const w = widget(page);
  await w.launcher.waitFor({ state: 'visible' });
  if (!(await w.panel.isVisible())) {
    await w.launcher.click();
  }
  await w.panel.waitFor({ state: 'visible', timeout: 30_000 });
  return w;
}

/**
 * Starts counting, inside the page, the distinct animation frames in which the text of the
 * newest assistant message grew. A MutationObserver marks changes; a requestAnimationFrame
 * loop samples once per frame, so several chunks landing before one paint count once.
 */
export async function startPaintCounter(page) {
  await page.evaluate(() => {
    const root = document.querySelector('#shopkeep-host').shadowRoot;
    const selector = '[data-sk=message][data-role=assistant]';
    const baseline = root.querySelectorAll(selector).length;
    const state = { baseline, growthFrames: 0, mutations: 0, lengths: [], dirty: false, stop: false };
    window.__shopkeepPaint = state;
    const newest = () => {
      const all = root.querySelectorAll(selector);
      return all.length > baseline ? all[all.length - 1] : null;
    };
    new MutationObserver(() => {
      state.mutations += 1;
      state.dirty = true;
    }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    let last = 0;
    const frame = () => {
      if (state.dirty) {
        state.dirty = false;
        const message = newest();
        const length = message ? message.textContent.length : 0;
        if (length > last) {
          state.growthFrames += 1;
          state.lengths.push(length);
          last = length;
        }
      }
      if (!state.stop) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

/** Stops the counter and returns what it saw. */
export async function stopPaintCounter(page) {
  return page.evaluate(() => {
    const state = window.__shopkeepPaint;
    state.stop = true;
    return { growthFrames: state.growthFrames, mutations: state.mutations, lengths: state.lengths };
  });
}

/** A message nobody else sends, so the fake upstream's log can be searched for it. */
export function uniqueQuestion(topic) {
  const letters = Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
  return `${topic} (reference ${letters})`;
}

/** Types a message, sends it and waits for the streamed reply to complete; returns its text. */
export async function sendAndWait(page, text) {
  const w = widget(page);
  const before = await w.assistantMessages.count();
  await w.input.fill(text);
  await w.send.click();
  const reply = w.assistantMessages.nth(before);
  await reply.waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForFunction(
    ({ index }) => {
      const root = document.querySelector('#shopkeep-host').shadowRoot;
      const message = root.querySelectorAll('[data-sk=message][data-role=assistant]')[index];
      return message && message.getAttribute('data-status') !== 'streaming'
        && message.getAttribute('data-status') !== 'pending';
    },
    { index: before },
    { timeout: 60_000 },
  );
  return { reply, status: await reply.getAttribute('data-status'), text: await reply.textContent() };
}

/** The request bodies the fake upstream received. */
export async function upstreamRequests() {
  const response = await fetch(`${UPSTREAM}/__requests`);
  return response.json();
}

/** The text of the last user message of an OpenAI request body. */
export function lastUserText(body) {
  const users = (body?.messages ?? []).filter((m) => m.role === 'user');
  const content = users.at(-1)?.content ?? '';
  return typeof content === 'string' ? content : content.map((part) => part.text ?? '').join(' ');
}

/** Saves a screenshot under tests/e2e/artifacts/. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path });
  return path;
}
