// Accessibility (axe-core, open shadow roots included) and the screenshots kept as artifacts:
// each widget at 360 px, in Chinese and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launch, phone, ready, seriousViolations, screenshotPath, synced } from '../lib/browser.mjs';
import { SKIN_PATH, answerByTapping } from '../lib/quiz.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const WIDGETS = ['siyu-quiz', 'siyu-checkin', 'siyu-wallet'];

for (const [brand, page_] of [['glow', 'beauty'], ['nest', 'nest']]) {
  for (const lang of ['zh-CN', 'en']) {
    test(`${page_} page in ${lang}: no serious or critical axe violation; screenshots`, async () => {
      const context = await phone(browser, { locale: lang });
      const page = await context.newPage();
      await page.goto(`${server.base}/${page_}.html?lang=${lang}`);
      for (const tag of WIDGETS) await ready(page, tag);
      await synced(page);
      await page.evaluate(() => Promise.all([...document.querySelector('siyu-quiz').shadowRoot.querySelectorAll('img')]
        .map((img) => (img.complete ? null : new Promise((ok) => { img.onload = ok; img.onerror = ok; })))));
      assert.deepEqual(await seriousViolations(page), []);
      for (const tag of WIDGETS) {
        await page.locator(tag).screenshot({ path: screenshotPath(`${brand}-${tag.slice(5)}-${lang}`) });
      }
      await context.close();
    });
  }
}

test('the outcome and the check-in celebration pass axe too', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  for (const tag of WIDGETS) await ready(page, tag);
  await answerByTapping(page, SKIN_PATH);
  await page.locator('siyu-quiz .outcome').waitFor();
  await page.locator('siyu-checkin button.primary.big').click();
  await synced(page);
  assert.deepEqual(await seriousViolations(page), []);
  await page.locator('siyu-quiz').screenshot({ path: screenshotPath('glow-quiz-outcome-en') });
  await page.locator('siyu-checkin').screenshot({ path: screenshotPath('glow-checkin-done-en') });
  await page.locator('siyu-wallet').screenshot({ path: screenshotPath('glow-wallet-points-en') });
  await context.close();
});

test('desktop width (1280 px): the page lays the widgets out side by side', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${server.base}/nest.html?lang=en`);
  for (const tag of WIDGETS) await ready(page, tag);
  const quiz = await page.locator('siyu-quiz').boundingBox();
  const checkin = await page.locator('siyu-checkin').boundingBox();
  assert.ok(checkin.x > quiz.x + quiz.width - 1, 'check-in sits beside the quiz');
  await page.screenshot({ path: screenshotPath('nest-page-1280-en'), fullPage: true });
  await context.close();
});

test('the three widgets show one sync status, and a screen reader hears it once', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=en`);
  for (const tag of WIDGETS) await ready(page, tag);
  await synced(page);
  const live = await page.evaluate((tags) => tags.map((tag) =>
    document.querySelector(tag).shadowRoot.querySelector('.sync').getAttribute('aria-live')), WIDGETS);
  assert.equal(live.filter((value) => value === 'polite').length, 1, live.join(', '));
  assert.equal(live.filter((value) => value === 'off').length, 2, live.join(', '));
  await context.close();
});
