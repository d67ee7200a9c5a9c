// The hostile host page: global resets, !important everywhere, rtl, a 40 px root font and a
// strict CSP. The widgets render and work as anywhere else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launch, phone, watch, ready, synced, screenshotPath } from '../lib/browser.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the widgets are isolated from a hostile page and work under its CSP', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/hostile.html`);
  for (const tag of ['siyu-quiz', 'siyu-checkin', 'siyu-wallet']) await ready(page, tag);
  assert.deepEqual(problems.filter((p) => /Content Security Policy/.test(p)), []);

  const option = page.locator('siyu-quiz button.option').first();
  const style = await option.evaluate((el) => {
    const s = getComputedStyle(el);
    const label = getComputedStyle(el.querySelector('.label'));
    return { border: s.borderTopStyle, height: el.getBoundingClientRect().height, font: label.fontSize,
      transform: s.transform, direction: s.direction, textTransform: label.textTransform, display: s.display };
  });
  assert.deepEqual(
    { border: style.border, font: style.font, transform: style.transform, direction: style.direction, textTransform: style.textTransform, display: style.display },
    { border: 'solid', font: '16px', transform: 'none', direction: 'ltr', textTransform: 'none', display: 'flex' },
  );
  assert.ok(style.height >= 44, `touch target is ${style.height}px high`);

  // Theming is what a host may do: --siyu-primary on <siyu-checkin>.
  const button = page.locator('siyu-checkin button.primary.big');
  assert.equal(await button.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(106, 27, 154)');
  assert.notEqual(await page.locator('siyu-wallet .amount').evaluate((el) => getComputedStyle(el).color), 'rgb(255, 0, 0)');

  await option.click();
  await page.locator('siyu-quiz .count', { hasText: 'Question 2 of' }).waitFor();
  await button.click();
  await page.locator('siyu-checkin .streak[data-streak="1"]').waitFor();
  await page.locator('siyu-wallet .amount[data-balance="5"]').waitFor();
  await synced(page);
  await page.screenshot({ path: screenshotPath('hostile-360'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a widget added to the page before its campaign is set renders once it is', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-wallet');
  // As a tag manager does it: the element first, its attributes a moment later.
  await page.evaluate(() => {
    const late = document.createElement('siyu-checkin');
    late.id = 'late';
    document.body.append(late);
    setTimeout(() => { late.setAttribute('lang', 'en'); late.setAttribute('campaign', 'glow-skin'); }, 300);
  });
  await page.locator('#late button.primary.big').waitFor({ timeout: 20_000 });
  assert.match(await page.locator('#late .title').textContent(), /check-in/i);
  assert.deepEqual(problems, []);
  await context.close();
});
