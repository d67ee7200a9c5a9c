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

/** Adds `<tag id="id">` with `attributes` to the page, as a marketer's own script would. */
function addWidget(page, tag, id, attributes) {
  return page.evaluate(([tag, id, attributes]) => {
    const element = document.createElement(tag);
    element.id = id;
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    document.body.append(element);
  }, [tag, id, attributes]);
}

test('a lang the widgets do not speak falls back to the browser\'s language', async () => {
  const context = await phone(browser, { locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${server.base}/beauty.html?lang=zh-CN`);
  await ready(page, 'siyu-wallet');
  await addWidget(page, 'siyu-checkin', 'french', { lang: 'fr', campaign: 'glow-skin' });
  await page.locator('#french .title').waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('#french .title').textContent(), 'Daily check-in', 'English, as the browser, not the campaign\'s default zh-CN');
  await context.close();
});

test('a campaign id the server does not know says so, and names the id in the console', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-wallet');
  await addWidget(page, 'siyu-wallet', 'typo', { lang: 'en', campaign: 'glow-skn' });
  const message = page.locator('#typo .error');
  await message.waitFor({ timeout: 20_000 });
  assert.equal(await message.textContent(), "This campaign isn't available.");
  assert.equal(await page.locator('#typo button').count(), 0, 'no "try again" that cannot work');
  assert.ok(errors.some((e) => e.includes('siyu: no campaign "glow-skn"')), errors.join('\n'));
  await context.close();
});

test('a page the brand does not allow is told in the customer\'s words; what they do stays on the device', async () => {
  server.cli('tenant', 'update', 'glow', '--origin', 'https://shop.example');
  // The running server notices another process's change within a second.
  await new Promise((done) => setTimeout(done, 1_500));
  try {
    const context = await phone(browser);
    const page = await context.newPage();
    const errors = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    await page.goto(`${server.base}/beauty.html?lang=zh-CN`);
    await ready(page, 'siyu-checkin');
    const status = page.locator('siyu-checkin .sync[data-state=error]');
    await status.waitFor({ timeout: 20_000 });
    assert.equal(await status.textContent(), '暂时无法在此页面保存，更改已保存在本设备上');
    assert.equal(await status.getAttribute('role'), 'status');
    assert.match(await status.getAttribute('title'), /^forbidden: origin .* may not embed/);
    assert.equal(await page.locator('siyu-checkin .sync[data-state=ok]').count(), 0, 'not "all saved"');
    assert.ok(errors.some((e) => /^siyu: sync refused: forbidden: origin/.test(e)), errors.join('\n'));
    await page.locator('siyu-checkin button.primary.big').click();
    await page.locator('siyu-checkin .sync[data-state=error][data-pending="1"]').waitFor();
    await context.close();
  } finally {
    server.cli('tenant', 'update', 'glow', '--any-origin');
  }
});

test('widgets that could not load their campaign load it by themselves once the server answers', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  let down = true;
  await page.route('**/v1/campaigns/**', (route) => (down ? route.abort('connectionrefused') : route.continue()));
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await page.locator('siyu-checkin .error').waitFor({ timeout: 20_000 });
  down = false;
  // No tap on "try again": the widget retries (1 s, then backing off).
  await page.locator('siyu-checkin button.primary.big').waitFor({ timeout: 20_000 });
  await context.close();
});
