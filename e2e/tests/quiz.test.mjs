// The quiz against the real server: outcome, tags and points equal the server's state; a
// reload resumes; a keyboard-only run; the room quiz's pictures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, balance } from '../lib/server.mjs';
import { launch, phone, watch, ready, synced, sessionToken, recordEvents, events } from '../lib/browser.mjs';
import { SKIN_PATH, ROOM_PATH, answerByTapping, answerByKeyboard } from '../lib/quiz.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the skin quiz ends with the outcome, tags and points the server holds', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await recordEvents(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-quiz');
  await answerByTapping(page, SKIN_PATH);
  const outcome = page.locator('siyu-quiz .outcome');
  await outcome.waitFor();
  const tags = await outcome.locator('.tags li').evaluateAll((items) => items.map((li) => li.dataset.tag));
  const words = await outcome.locator('.tags').textContent();
  const points = Number(await outcome.locator('.earned').getAttribute('data-points'));
  await synced(page);
  const server_ = await server.exportMe(await sessionToken(page, 'glow-skin'));
  const state = server_.state;
  assert.equal(state.quiz.result.outcome, 'oily');
  assert.equal(await outcome.locator('.title').textContent(), 'Oily skin');
  assert.deepEqual(tags, state.quiz.result.tags);
  assert.ok(tags.includes('skin:oily') && tags.includes('concern:shine'), tags.join());
  assert.ok(!words.includes(':'), `tags are shown in customer words, not ids: ${words}`);
  assert.equal(points, 50);
  assert.equal(balance(state), 50);
  assert.equal(await page.locator('siyu-wallet .amount').getAttribute('data-balance'), '50');
  assert.ok((await outcome.locator('.plan li').count()) >= 3, 'the plan is shown');
  assert.ok((await outcome.locator('.products a').count()) >= 2, 'recommendations are shown');
  const completed = (await events(page)).filter((e) => e.name === 'siyu:quiz-complete');
  assert.equal(completed.length, 1);
  assert.equal(completed[0].target, 'SIYU-QUIZ');
  assert.deepEqual(completed[0].detail.tags, tags);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reload resumes the quiz where the customer left off, and back shows the answer', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-quiz');
  await answerByTapping(page, SKIN_PATH, 4);
  const quiz = page.locator('siyu-quiz');
  const before_ = await quiz.locator('.question').textContent();
  await page.reload();
  await ready(page, 'siyu-quiz');
  assert.equal(await quiz.locator('.question').textContent(), before_);
  assert.equal(await quiz.locator('.count').textContent(), 'Question 5 of 9');
  await quiz.locator('.actions .secondary').click();
  await quiz.locator('button[data-option="large-all"][aria-pressed="true"]').waitFor();
  await context.close();
});

test('keyboard only: Tab, Enter, Space and digits complete the skin quiz', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-quiz');
  await answerByKeyboard(page, SKIN_PATH);
  await page.locator('siyu-quiz .outcome').waitFor();
  await synced(page);
  const state = (await server.exportMe(await sessionToken(page, 'glow-skin'))).state;
  assert.equal(state.quiz.result.outcome, 'oily');
  await context.close();
});

test('the room quiz shows pictures and ends with a style', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/nest.html?lang=zh-CN`);
  await ready(page, 'siyu-quiz');
  const pictures = page.locator('siyu-quiz .options.images img');
  assert.equal(await pictures.count(), 4);
  await page.waitForFunction(() => [...document.querySelector('siyu-quiz').shadowRoot.querySelectorAll('img')]
    .every((img) => img.complete && img.naturalWidth > 0));
  await answerByTapping(page, ROOM_PATH);
  await page.locator('siyu-quiz .outcome').waitFor();
  await synced(page);
  const state = (await server.exportMe(await sessionToken(page, 'nest-room'))).state;
  assert.equal(state.quiz.result.outcome, 'nordic');
  assert.equal(await page.locator('siyu-quiz .outcome .title').textContent(), '北欧自然风');
  assert.deepEqual(problems, []);
  await context.close();
});
