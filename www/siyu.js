// Siyu widget loader. A marketer's page needs two lines:
//
//   <script type="module" src="https://brand.example/siyu.js"></script>
//   <siyu-checkin campaign="glow-skin"></siyu-checkin>
//
// Elements: <siyu-quiz>, <siyu-checkin>, <siyu-wallet>. Attributes: campaign (required),
// endpoint (the Siyu server; default: where this script comes from), lang (zh-CN or en;
// default: the browser's). Theme with CSS custom properties on the element or any ancestor:
// --siyu-primary, --siyu-accent, --siyu-radius, --siyu-font.
//
// JS API: window.Siyu.identify(memberToken) binds this device to a brand member (points earned
// anonymously are kept); events bubble from the element to the document: siyu:checkin,
// siyu:quiz-complete (detail.tags), siyu:redeem, siyu:rejected.
const base = new URL('./', import.meta.url);
const origin = base.origin;

// The campaign is fetched while the wasm loads, not after.
const campaigns = new Map();
function prefetch(endpoint, campaign) {
  const key = endpoint + '|' + campaign;
  if (!campaigns.has(key)) {
    campaigns.set(key, fetch(endpoint + '/v1/campaigns/' + encodeURIComponent(campaign))
      .then((r) => (r.ok ? r.text() : null))
      .catch(() => null));
  }
  return campaigns.get(key);
}

const wasm = import(new URL('siyu-web.js', base).href).then(async (glue) => {
  await glue.default({ module_or_path: new URL('siyu-web_bg.wasm', base) });
  return glue;
});

class SiyuElement extends HTMLElement {
  static get observedAttributes() { return ['campaign', 'endpoint', 'lang']; }

  connectedCallback() { this.render(); }

  disconnectedCallback() { this.unmount(); }

  // Also when the element was in the page before its campaign was set (a tag manager or a
  // single-page app adds the element, then its attributes).
  attributeChangedCallback() {
    this.unmount();
    if (this.isConnected) this.render();
  }

  unmount() {
    if (this.mounted) { this.mounted.unmount(); this.mounted = null; }
  }

  endpoint() { return (this.getAttribute('endpoint') || origin).replace(/\/+$/, ''); }

  render() {
    const campaign = this.getAttribute('campaign');
    if (!campaign) return;
    prefetch(this.endpoint(), campaign);
    if (!this.shadowRoot) {
      // Reserve some room until the widget arrives, so the page does not jump as much.
      this.attachShadow({ mode: 'open' }).innerHTML =
        '<div style="min-height:160px" aria-busy="true"></div>';
    }
    if (this.rendering) return;
    this.rendering = true;
    wasm.then((glue) => {
      this.rendering = false;
      // The attributes as they are now: they may have changed while the wasm loaded.
      const campaign = this.getAttribute('campaign');
      if (campaign && this.isConnected && !this.mounted) {
        const endpoint = this.endpoint();
        this.mounted = glue.mount(this, this.kind, endpoint, prefetch(endpoint, campaign));
      }
    }, (error) => {
      this.rendering = false;
      console.error('siyu: the widgets could not load', error);
    });
  }
}

for (const kind of ['quiz', 'checkin', 'wallet']) {
  const name = 'siyu-' + kind;
  if (!customElements.get(name)) {
    customElements.define(name, class extends SiyuElement { get kind() { return kind; } });
  }
}

// A picture that failed while offline (a service worker cannot hold every one) loads again
// once the network is back: setting `src` again retries a broken image. `online` may come a
// moment before requests get through, so pictures still broken are tried again later (1, 2,
// 4 … 32 s after).
function retryPictures(delay) {
  let broken = 0;
  for (const el of document.querySelectorAll('siyu-quiz, siyu-checkin, siyu-wallet')) {
    for (const img of el.shadowRoot ? el.shadowRoot.querySelectorAll('img') : []) {
      if (img.complete && !img.naturalWidth && img.src) { broken += 1; img.src = img.src; }
    }
  }
  if (broken && delay <= 32000 && navigator.onLine) setTimeout(() => retryPictures(delay * 2), delay);
}
addEventListener('online', () => retryPictures(1000));

window.Siyu = window.Siyu || {
  version: 1,
  ready: wasm.then(() => undefined),
  // Rejects with an Error (a TypeError when no token is given), as a promise API should.
  identify: (memberToken) => (typeof memberToken !== 'string' || memberToken === ''
    ? Promise.reject(new TypeError('Siyu.identify(memberToken): the member token (a JWT string) is required'))
    : wasm.then((glue) => glue.identify(memberToken)).catch((reason) => {
      throw reason instanceof Error ? reason : new Error(String(reason));
    })),
};
