// The quiz against the real server: outcome, tags and points equal the server's state; a
// reload resumes; going back to change an answer drops what it hid; a multiple choice says
// one is needed; a keyboard-only run; arrow keys between options; the room quiz's pictures;
// no state of any widget makes a 360 px page scroll sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, balance } from '../lib/server.mjs';
import { launch, phone, watch, ready, synced, sessionToken, recordEvents, events } from '../lib/browser.mjs';
import { SKIN_PATH, ROOM_PATH, answerByTapping, answerByKeyboard, focused, tabTo } from '../lib/quiz.mjs';

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
  // Ten: the redness follow-up may still come (the total only shrinks as answers rule
  // follow-ups out).
  assert.equal(await quiz.locator('.count').textContent(), 'Question 5 of 10');
  await quiz.locator('.actions .secondary').click();
  await quiz.locator('button[data-option="large-all"][aria-pressed="true"]').waitFor();
  await context.close();
});

test('changing an earlier answer drops a multiple choice\'s option it hid, and the quiz still ends', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-quiz');
  const quiz = page.locator('siyu-quiz');
  const hint = quiz.locator('p.help[aria-live]');
  const next = quiz.locator('.actions .primary');
  const pressed = () => quiz.locator('button.option[aria-pressed="true"]')
    .evaluateAll((buttons) => buttons.map((b) => b.dataset.option));
  /** Clicks `button` and waits for the next question (or the outcome). */
  const moveWith = async (button) => {
    const prompt = await quiz.locator('.question').textContent();
    await button.click();
    await page.waitForFunction((before) => {
      const q = document.querySelector('siyu-quiz').shadowRoot.querySelector('.question');
      return !q || q.textContent !== before;
    }, prompt);
  };
  // Midday "oily all over" offers the concern "Oil and shine".
  await answerByTapping(page, SKIN_PATH, 5);
  await quiz.locator('button[data-option="shine"]').click();
  await quiz.locator('button[data-option="acne"]').click();
  assert.equal(await hint.textContent(), '2 of up to 3 chosen');
  await moveWith(next);

  // Back to midday, now "Matte": "Oil and shine" is no longer offered.
  while (!(await quiz.locator('button[data-option="matte"]').count())) {
    await moveWith(quiz.locator('.actions .secondary'));
  }
  await moveWith(quiz.locator('button[data-option="matte"]'));
  while (!(await quiz.locator('button[data-option="acne"]').count())) await moveWith(next);
  assert.equal(await quiz.locator('button[data-option="shine"]').count(), 0);
  assert.deepEqual(await pressed(), ['acne']);
  assert.equal(await hint.textContent(), '1 of up to 3 chosen');
  assert.ok(await next.isEnabled(), 'Next goes on with the concerns still chosen');

  // The persisted draft no longer holds the hidden option either.
  await page.reload();
  await ready(page, 'siyu-quiz');
  assert.deepEqual(await pressed(), ['acne']);
  assert.equal(await hint.textContent(), '1 of up to 3 chosen');
  await moveWith(next);
  await answerByTapping(page, SKIN_PATH.slice(6));
  await quiz.locator('.outcome').waitFor();
  await synced(page);
  const state = (await server.exportMe(await sessionToken(page, 'glow-skin'))).state;
  assert.deepEqual(state.quiz.answers.concerns, { choices: ['acne'] });
  assert.equal(state.quiz.answers['tzone-shine'], undefined);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a multiple choice with nothing chosen says that one is needed, in both languages', async () => {
  for (const [lang, needed, one] of [['en', 'Choose at least 1, up to 3', '1 of up to 3 chosen'],
    ['zh-CN', '请至少选 1 项，最多 3 项', '已选 1 项，最多 3 项']]) {
    // A fresh customer per language: clearing the storage under a live page does not do, as
    // the widgets keep the quiz in progress when the page goes away.
    const context = await phone(browser);
    const page = await context.newPage();
    await page.goto(`${server.base}/beauty.html?lang=${lang}`);
    await ready(page, 'siyu-quiz');
    const quiz = page.locator('siyu-quiz');
    await answerByTapping(page, SKIN_PATH, 5);
    const hint = quiz.locator('p.help[aria-live]');
    assert.equal(await hint.textContent(), needed);
    assert.ok(await quiz.locator('.actions .primary').isDisabled());
    await quiz.locator('button[data-option="acne"]').click();
    assert.equal(await hint.textContent(), one);
    assert.ok(await quiz.locator('.actions .primary').isEnabled());
    await context.close();
  }
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
  const pictures = page.locator('siyu-quiz .options img');
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

test('arrow keys move focus between the options of a question, wrapping, without choosing', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.base}/beauty.html?lang=en`);
  await ready(page, 'siyu-quiz');
  const quiz = page.locator('siyu-quiz');
  const options = await quiz.locator('.options button').evaluateAll((buttons) => buttons.map((b) => b.dataset.option));
  assert.ok(options.length >= 3, options.join());
  const on = (option) => new RegExp(`\\[option=${option}\\]$`);
  await tabTo(page, on(options[0]));
  for (const [key, at] of [['ArrowDown', 1], ['ArrowRight', 2], ['ArrowUp', 1], ['ArrowLeft', 0],
    ['ArrowUp', options.length - 1], ['ArrowDown', 0], ['ArrowDown', 1]]) {
    await page.keyboard.press(key);
    assert.match(await focused(page), on(options[at]), `after ${key}`);
  }
  assert.equal(await quiz.locator('[aria-pressed="true"]').count(), 0, 'moving focus chooses nothing');
  assert.equal(await quiz.locator('.count').textContent(), 'Question 1 of 10');
  await page.keyboard.press('Enter');
  await quiz.locator('.count', { hasText: 'Question 2 of' }).waitFor();
  await quiz.locator('.actions .secondary').click();
  await quiz.locator(`button[data-option="${options[1]}"][aria-pressed="true"]`).waitFor();

  // The scale's steps are a group too; Backspace still goes back from it.
  await answerByTapping(page, SKIN_PATH, 6);
  const steps = await quiz.locator('button.step').evaluateAll((buttons) => buttons.map((b) => b.dataset.value));
  await tabTo(page, /button\.step/);
  assert.match(await focused(page), new RegExp(`\\[value=${steps[0]}\\]$`));
  await page.keyboard.press('ArrowRight');
  assert.match(await focused(page), new RegExp(`\\[value=${steps[1]}\\]$`));
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.match(await focused(page), new RegExp(`\\[value=${steps.at(-1)}\\]$`));
  await page.keyboard.press('3');
  await quiz.locator('button.step[data-value="3"][aria-pressed="true"]').waitFor();
  const prompt = await quiz.locator('.question').textContent();
  await page.keyboard.press('Backspace');
  await page.waitForFunction((before) => document.querySelector('siyu-quiz').shadowRoot.querySelector('.question').textContent !== before, prompt);
  assert.deepEqual(problems, []);
  await context.close();
});

/** What sticks out sideways: the page wider than the window, or a widget's content wider
 *  than the widget (which its paint containment would clip rather than scroll). */
function sideways(page) {
  return page.evaluate(() => {
    const out = [];
    const wide = document.scrollingElement.scrollWidth;
    if (wide > innerWidth) out.push(`the page is ${wide} px wide in a ${innerWidth} px window`);
    for (const host of document.querySelectorAll('siyu-quiz, siyu-checkin, siyu-wallet')) {
      const edge = host.getBoundingClientRect().right;
      if (edge > innerWidth) out.push(`${host.localName} ends at ${Math.round(edge)} px`);
      for (const el of host.shadowRoot.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > edge + 0.5) {
          out.push(`${host.localName} ${el.localName}.${el.getAttribute('class')} ends at ${Math.round(box.right)} px, past ${Math.round(edge)}`);
        }
      }
    }
    return out.slice(0, 8);
  });
}

/** Buttons whose one-word label wraps ("Rede/em"): taller than one line of text. */
function brokenButtons(page) {
  return page.evaluate(() => [...document.querySelector('siyu-wallet').shadowRoot
    .querySelectorAll('.reward button')]
    .filter((b) => !b.textContent.trim().includes(' ') && b.getBoundingClientRect().height > 44)
    .map((b) => `${b.textContent} is ${Math.round(b.getBoundingClientRect().height)} px tall`));
}

for (const [tenant, campaign, pageName, path] of [['glow', 'glow-skin', 'beauty', SKIN_PATH], ['nest', 'nest-room', 'nest', ROOM_PATH]]) {
  for (const lang of ['zh-CN', 'en']) {
    test(`${pageName} page in ${lang} at 360 px: no question, outcome, calendar, wallet or dialog scrolls sideways`, async (t) => {
      // A member who checked in the day before yesterday (so yesterday can be made up or is
      // frozen, which can be made up too) and bought enough for a reward, so every dialog can
      // be opened. On a server of its own, whose clock is moved two days on.
      const server = await startServer({ clock: true });
      t.after(() => server.stop());
      const member = `m-narrow-${pageName}-${lang}-${Date.now()}`;
      const { token } = await server.memberCheckedInDaysAgo(tenant, campaign, member, 2);
      await server.credit(tenant, member, campaign, `order-${member}`, 500_000);

      const context = await phone(browser, { locale: lang });
      const page = await context.newPage();
      const problems = watch(page);
      await page.goto(`${server.base}/${pageName}.html?lang=${lang}`);
      for (const tag of ['siyu-quiz', 'siyu-checkin', 'siyu-wallet']) await ready(page, tag);
      const quiz = page.locator('siyu-quiz');
      for (const [i, step] of path.entries()) {
        // Pictures take their room once loaded.
        await page.waitForFunction(() => [...document.querySelector('siyu-quiz').shadowRoot.querySelectorAll('img')]
          .every((img) => img.complete));
        assert.deepEqual(await sideways(page), [], `question ${i + 1}: ${await quiz.locator('.question').textContent()}`);
        await answerByTapping(page, [step]);
      }
      await quiz.locator('.outcome').waitFor();
      await page.waitForFunction(() => [...document.querySelector('siyu-quiz').shadowRoot.querySelectorAll('img')]
        .every((img) => img.complete && img.naturalWidth > 0));
      assert.deepEqual(await sideways(page), [], 'the outcome');

      await page.evaluate((t) => window.Siyu.identify(t), token);
      const wallet = page.locator('siyu-wallet');
      await wallet.locator('.history li', { hasText: lang === 'en' ? 'Purchase' : '购' }).first().waitFor();
      assert.ok((await wallet.locator('li[data-reward]').count()) >= 3, 'the catalogue is shown');
      assert.deepEqual(await sideways(page), [], 'the wallet with its history and catalogue');
      assert.deepEqual(await brokenButtons(page), [], 'the catalogue\'s buttons');

      const checkin = page.locator('siyu-checkin');
      await checkin.locator('.calendar button.day').first().click();
      await checkin.locator('.dialog').waitFor();
      assert.deepEqual(await sideways(page), [], 'the make-up dialog');
      await checkin.locator('.dialog button.primary').click();
      await checkin.locator('.day[data-status=made-up]').waitFor();
      await checkin.locator('button.primary.big').click();
      await checkin.locator('.celebrate').waitFor();
      assert.deepEqual(await sideways(page), [], 'the calendar after checking in');

      await wallet.locator('li[data-reward] button:not([disabled])').first().click();
      await wallet.locator('.dialog').waitFor();
      assert.deepEqual(await sideways(page), [], 'the redeem dialog');
      await wallet.locator('.dialog button.primary').click();
      await wallet.locator('.celebrate').waitFor();
      await synced(page);
      assert.deepEqual(await sideways(page), [], 'after redeeming');

      // A marketer's layout that sizes its column by the content (here an auto grid column of
      // a 200 px box): the widgets take the box's width, never more.
      await page.addStyleTag({ content: 'main.grid{grid-template-columns:auto;width:200px;padding:0;margin:0} main.grid>*{min-width:auto} main.grid>aside{display:none}' });
      const widths = await page.evaluate(() => [...document.querySelectorAll('siyu-quiz, siyu-checkin, siyu-wallet')]
        .map((host) => `${host.localName} ${Math.round(host.getBoundingClientRect().width)}`));
      assert.deepEqual(widths, ['siyu-quiz 200', 'siyu-checkin 200', 'siyu-wallet 200']);
      assert.deepEqual(await sideways(page), [], 'in a 200 px column sized by its content');
      assert.deepEqual(await brokenButtons(page), [], 'buttons in a 200 px column');
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
