// Answering the demo quizzes the way a customer does.

/** A path through the skin quiz that takes its branch (the T-zone follow-up). */
export const SKIN_PATH = [
  { choose: 'shiny-all' },            // after-cleanse
  { choose: 'shiny-all' },            // midday → shows tzone-shine
  { choose: 'cheeks-oily' },          // tzone-shine
  { choose: 'large-all' },            // pores
  { choose: 'never' },                // reaction (no redness question)
  { toggle: ['acne', 'shine'] },      // concerns (multiple choice), then Next
  { scale: 2 },                       // tightness, then Next
  { choose: 'often' },                // breakouts
  { choose: 'daily' },                // spf → the outcome
];

/** A path through the room quiz, pictures first. */
export const ROOM_PATH = [
  { choose: 'bright-birch' }, { choose: 'pale-oak' }, { choose: 'white-grey' }, { choose: 'spindle-chair' },
  { scale: 2 }, { choose: 'compact' }, { choose: 'storage' }, { choose: 'white-dome' },
];

/** Answers with taps. `steps` may stop early (a quiz in progress). */
export async function answerByTapping(page, path, steps = path.length) {
  const quiz = page.locator('siyu-quiz');
  for (const step of path.slice(0, steps)) {
    const prompt = await quiz.locator('.question').textContent();
    if (step.choose) {
      await quiz.locator(`button[data-option="${step.choose}"]`).click();
    } else if (step.toggle) {
      for (const option of step.toggle) await quiz.locator(`button[data-option="${option}"]`).click();
      await quiz.locator('.actions .primary').click();
    } else {
      await quiz.locator(`button[data-value="${step.scale}"]`).click();
      await quiz.locator('.actions .primary').click();
    }
    // The next question (or the outcome) replaces this one.
    await page.waitForFunction(
      (before) => {
        const root = document.querySelector('siyu-quiz').shadowRoot;
        const q = root.querySelector('.question');
        return !q || q.textContent !== before;
      },
      prompt,
    );
  }
}

/** The element focused inside the widgets' shadow roots, as `tag.class[data-*]`. */
export function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    const data = Object.entries(el.dataset).map(([k, v]) => `[${k}=${v}]`).join('');
    return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}${data}`;
  });
}

/** Presses Tab until the focused element matches `pattern` (at most `max` presses). */
export async function tabTo(page, pattern, max = 30) {
  for (let i = 0; i < max; i += 1) {
    if (pattern.test(await focused(page))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${pattern}; focus is on ${await focused(page)}`);
}

/** Answers with the keyboard only: Tab and Enter/Space for options, digits for the scale. */
export async function answerByKeyboard(page, path) {
  const quiz = page.locator('siyu-quiz');
  for (const step of path) {
    const prompt = await quiz.locator('.question').textContent();
    if (step.choose) {
      await tabTo(page, new RegExp(`\\[option=${step.choose}\\]`));
      await page.keyboard.press('Enter');
    } else if (step.toggle) {
      for (const option of step.toggle) {
        await tabTo(page, new RegExp(`\\[option=${option}\\]`));
        await page.keyboard.press('Space');
      }
      await tabTo(page, /button\.primary/);
      await page.keyboard.press('Enter');
    } else {
      await tabTo(page, /button\.step/);
      await page.keyboard.press(String(step.scale));
      await tabTo(page, /button\.primary/);
      await page.keyboard.press('Enter');
    }
    await page.waitForFunction(
      (before) => {
        const q = document.querySelector('siyu-quiz').shadowRoot.querySelector('.question');
        return !q || q.textContent !== before;
      },
      prompt,
    );
  }
}
