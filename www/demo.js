// The demo pages' own script (not needed to embed the widgets): language switch via ?lang=,
// a log of the widgets' events (the JS API in action), and a service worker so that a demo
// page reloads offline.
const params = new URLSearchParams(location.search);
const lang = params.get('lang');
if (lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('siyu-quiz, siyu-checkin, siyu-wallet')) {
    el.setAttribute('lang', lang);
  }
}
// Without ?lang= the widgets follow the browser's languages (the first of zh or en it
// lists), else the campaign's default, the page's own language here: mark what they show.
const browserLang = (navigator.languages || [navigator.language])
  .map((tag) => String(tag).toLowerCase().split(/[-_]/)[0])
  .map((primary) => ({ zh: 'zh-CN', en: 'en' })[primary])
  .find(Boolean);
const shown = lang || browserLang || document.documentElement.lang;
for (const a of document.querySelectorAll('.lang a')) {
  a.setAttribute('aria-current', String(shown === a.dataset.lang));
}
const log = document.querySelector('.events ol');
for (const name of ['siyu:checkin', 'siyu:quiz-complete', 'siyu:redeem', 'siyu:rejected']) {
  document.addEventListener(name, (event) => {
    if (!log) return;
    const li = document.createElement('li');
    li.textContent = name + ' ' + JSON.stringify(event.detail);
    log.prepend(li);
  });
}
if ('serviceWorker' in navigator && !params.has('nosw')) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
}
