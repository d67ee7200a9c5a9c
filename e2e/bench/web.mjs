// `cargo xtask bench web`: what a landing page downloads for the three widgets (raw, gzip,
// brotli), and the time from navigation to the first quiz question in headless Chromium with
// 4× CPU throttling (median of LOADS cold loads), against the same skin quiz in SurveyJS
// (survey-core + survey-js-ui), alone and on the same landing page, in the same run, served by
// the same server.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { createRequire } from 'node:module';
import { get } from 'node:http';
import { execFileSync } from 'node:child_process';
import { startServer, WWW } from '../lib/server.mjs';
import { launch } from '../lib/browser.mjs';

const LOADS = Number(process.env.LOADS || 11);
const THROTTLE = 4;
const root = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

function sizes(files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const rows = files.map(([name, path]) => {
    const data = readFileSync(path);
    const row = {
      name,
      raw: data.length,
      gzip: gzipSync(data, { level: 9 }).length,
      brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
    for (const k of Object.keys(total)) total[k] += row[k];
    return row;
  });
  return { rows, total };
}

/** The skin quiz of campaigns/glow-skin.json as a SurveyJS form, one question per page. */
function surveyJson(lang = 'en') {
  const campaign = JSON.parse(readFileSync(join(root, 'campaigns/glow-skin.json'), 'utf8'));
  const t = (text) => text[lang];
  const visibleIf = (condition) => {
    if (!condition) return undefined;
    const { question, options } = condition.any_of;
    return options.map((o) => `{${question}} = '${o}' or {${question}} contains '${o}'`).join(' or ');
  };
  const elements = campaign.quiz.questions.map((q) => {
    const base = { name: q.id, title: t(q.prompt), description: q.help && t(q.help), isRequired: true, visibleIf: visibleIf(q.show_if) };
    const choices = (q.options || []).map((o) => ({ value: o.id, text: t(o.label), visibleIf: visibleIf(o.show_if) }));
    switch (q.kind) {
      case 'single_choice': return { ...base, type: 'radiogroup', choices };
      case 'multiple_choice': return { ...base, type: 'checkbox', choices, maxSelectedChoices: q.max_choices };
      case 'image_choice': return { ...base, type: 'imagepicker', choices: q.options.map((o) => ({ value: o.id, imageLink: o.image, text: t(o.label) })) };
      default: return { ...base, type: 'rating', rateMin: q.scale.min, rateMax: q.scale.max, minRateDescription: t(q.scale.min_label), maxRateDescription: t(q.scale.max_label) };
    }
  });
  return { title: t(campaign.quiz.title), showProgressBar: 'top', questionsOnPageMode: 'questionPerPage', pages: [{ elements }] };
}

function surveySite(dir) {
  const surveyCore = resolve(require.resolve('survey-core'), '..');
  const surveyUi = resolve(require.resolve('survey-js-ui'), '..');
  cpSync(join(surveyCore, 'survey.core.min.js'), join(dir, 'surveyjs/survey.core.min.js'));
  cpSync(join(surveyCore, 'survey-core.min.css'), join(dir, 'surveyjs/survey-core.min.css'));
  cpSync(join(surveyUi, 'survey-js-ui.min.js'), join(dir, 'surveyjs/survey-js-ui.min.js'));
  writeFileSync(join(dir, 'surveyjs/skin-quiz.json'), JSON.stringify(surveyJson()));
  writeFileSync(join(dir, 'surveyjs/start.js'),
    "fetch('/surveyjs/skin-quiz.json').then((r) => r.json()).then((json) => {\n" +
    "  new Survey.Model(json).render(document.getElementById('survey'));\n});\n");
  writeFileSync(join(dir, 'surveyjs/index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SurveyJS skin quiz</title>
<link rel="stylesheet" href="/surveyjs/survey-core.min.css">
<script src="/surveyjs/survey.core.min.js" defer></script>
<script src="/surveyjs/survey-js-ui.min.js" defer></script>
<script src="/surveyjs/start.js" defer></script>
</head><body><div id="survey"></div></body></html>
`);
  // SurveyJS's quiz on the same landing page (the beauty brand's header, styles and page
  // script), so that the landing-page times differ by the quiz engine alone.
  let landing = readFileSync(join(dir, 'beauty.html'), 'utf8');
  for (const [pattern, replacement] of [
    [/<link rel="modulepreload"[^>]*>\s*<link rel="preload"[^>]*>/,
      '<link rel="stylesheet" href="/surveyjs/survey-core.min.css">'],
    [/<script type="module" src="\/siyu.js"><\/script>/,
      '<script src="/surveyjs/survey.core.min.js" defer></script>\n  <script src="/surveyjs/survey-js-ui.min.js" defer></script>\n  <script src="/surveyjs/start.js" defer></script>'],
    [/<main class="grid">[\s\S]*?<\/main>/,
      '<main class="grid"><section class="wide" aria-label="Skin quiz"><div id="survey"></div></section></main>'],
  ]) {
    if (!pattern.test(landing)) throw new Error(`beauty.html no longer has ${pattern}`);
    landing = landing.replace(pattern, replacement);
  }
  writeFileSync(join(dir, 'surveyjs/landing.html'), landing);
  // The same quiz alone, embedded the Siyu way.
  writeFileSync(join(dir, 'quiz-only.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Siyu skin quiz</title>
<link rel="modulepreload" href="/siyu-web.js">
<link rel="preload" href="/siyu-web_bg.wasm" as="fetch" type="application/wasm" crossorigin>
<script type="module" src="/siyu.js"></script>
</head><body><siyu-quiz campaign="glow-skin" lang="en"></siyu-quiz></body></html>
`);
}

/** Milliseconds from navigation start to the first question in the DOM (checked every frame). */
async function timeToQuestion(browser, url, probe) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  await page.addInitScript((probe) => {
    const found = new Function(`return (${probe})`)();
    const check = () => {
      if (found()) window.__firstQuestion = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }, probe.toString());
  await page.goto(url);
  await page.waitForFunction(() => window.__firstQuestion !== undefined, null, { timeout: 60_000 });
  const ms = await page.evaluate(() => window.__firstQuestion);
  await context.close();
  return ms;
}

const WIDGET_FILES = ['siyu.js', 'siyu-web.js', 'siyu-web_bg.wasm'];

/** Bytes the server sends for `files` to a browser that accepts `encoding` (undecoded). */
async function served(base, files, encoding) {
  const rows = [];
  for (const file of files) {
    const { headers, bytes } = await new Promise((ok, fail) => {
      get(`${base}/${file}`, { headers: { 'accept-encoding': encoding } }, (response) => {
        let bytes = 0;
        response.on('data', (chunk) => { bytes += chunk.length; });
        response.on('end', () => ok({ headers: response.headers, bytes }));
      }).on('error', fail);
    });
    rows.push({ file, encoding: headers['content-encoding'] || 'identity', bytes });
  }
  return { rows, total: rows.reduce((sum, r) => sum + r.bytes, 0) };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

const site = mkdtempSync(join(tmpdir(), 'siyu-bench-web-'));
// Timestamps kept: the server sends the build's precompressed files only when none is older
// than the file it was made from.
cpSync(WWW, site, { recursive: true, preserveTimestamps: true });
mkdirSync(join(site, 'surveyjs'));
surveySite(site);
// SurveyJS gets what the widgets get: variants made at build time, so that neither is timed
// with the server compressing it on the fly.
execFileSync(process.execPath, [join(root, 'e2e/lib/precompress.mjs'), site], { stdio: 'inherit' });
// The CSS is inside the wasm (each shadow root adopts it), so these three files are all of it.
const siyu = sizes([['siyu.js (loader)', join(site, 'siyu.js')], ['siyu-web.js (glue)', join(site, 'siyu-web.js')], ['siyu-web_bg.wasm (+ CSS)', join(site, 'siyu-web_bg.wasm')]]);
const survey = sizes([['survey.core.min.js', join(site, 'surveyjs/survey.core.min.js')], ['survey-js-ui.min.js', join(site, 'surveyjs/survey-js-ui.min.js')], ['survey-core.min.css', join(site, 'surveyjs/survey-core.min.css')]]);

const server = await startServer({ www: site });
const sent = { brotli: await served(server.base, WIDGET_FILES, 'br'), gzip: await served(server.base, WIDGET_FILES, 'gzip') };
const browser = await launch();
const pages = {
  'Siyu landing page (quiz + check-in + wallet)': [`${server.base}/beauty.html?lang=en&nosw`, () => document.querySelector('siyu-quiz')?.shadowRoot?.querySelector('.question')],
  'Siyu quiz alone': [`${server.base}/quiz-only.html`, () => document.querySelector('siyu-quiz')?.shadowRoot?.querySelector('.question')],
  'SurveyJS quiz': [`${server.base}/surveyjs/index.html`, () => document.querySelector('.sd-question__title, .sv-question__title')],
  'SurveyJS quiz on the same landing page': [`${server.base}/surveyjs/landing.html?lang=en&nosw`, () => document.querySelector('.sd-question__title, .sv-question__title')],
};
const times = {};
try {
  for (const [name, [url, probe]] of Object.entries(pages)) await timeToQuestion(browser, url, probe); // warm the server
  for (let i = 0; i < LOADS; i += 1) {
    for (const [name, [url, probe]] of Object.entries(pages)) {
      (times[name] ||= []).push(await timeToQuestion(browser, url, probe));
    }
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(site, { recursive: true, force: true });
}

console.log('\nBytes a landing page downloads for the three widgets (CSS included in the wasm)');
for (const r of [...siyu.rows, { name: 'total', ...siyu.total }]) console.log(`  ${r.name.padEnd(28)} raw ${kb(r.raw).padStart(10)}  gzip ${kb(r.gzip).padStart(9)}  brotli ${kb(r.brotli).padStart(9)}`);
for (const [name, { rows, total }] of Object.entries(sent)) {
  console.log(`  sent by the server to a browser accepting ${name}: ${kb(total)} (${rows.map((r) => `${r.file} ${r.encoding} ${kb(r.bytes)}`).join(', ')})`);
}
console.log('SurveyJS for the quiz alone');
for (const r of [...survey.rows, { name: 'total', ...survey.total }]) console.log(`  ${r.name.padEnd(28)} raw ${kb(r.raw).padStart(10)}  gzip ${kb(r.gzip).padStart(9)}  brotli ${kb(r.brotli).padStart(9)}`);
console.log(`\nTime from navigation to the first quiz question, ${THROTTLE}× CPU throttling, median of ${LOADS} cold loads`);
const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
for (const [name, ms] of Object.entries(medians)) console.log(`  ${name.padEnd(46)} ${ms.toFixed(0).padStart(6)} ms   (min ${Math.min(...times[name]).toFixed(0)}, max ${Math.max(...times[name]).toFixed(0)})`);
const sj = medians['SurveyJS quiz'];
console.log(`  ratio Siyu landing / SurveyJS: ${(medians['Siyu landing page (quiz + check-in + wallet)'] / sj).toFixed(2)}; Siyu quiz alone / SurveyJS: ${(medians['Siyu quiz alone'] / sj).toFixed(2)}`);
console.log(`  ratio on the same landing page, Siyu (three widgets) / SurveyJS (quiz): ${(medians['Siyu landing page (quiz + check-in + wallet)'] / medians['SurveyJS quiz on the same landing page']).toFixed(2)}`);
const out = join(root, 'target/artifacts');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'bench-web.json'), JSON.stringify({ bytes: { siyu, surveyjs: survey, sent }, throttle: THROTTLE, loads: LOADS, times, medians }, null, 2));
console.log(`\n(details in ${join(out, 'bench-web.json')})`);
