// The brand's mini-program: one Siyu client for the whole app, made on first use.
//
// The package lives in ./siyu/ (a copy of js/pkg, see js/README.md); the engine's wasm is
// loaded from inside the mini-program package with WXWebAssembly.

import { createClient, initWx, wxAdapters } from './siyu/siyu.js';

App({
  globalData: {
    // The brand's Siyu endpoint (add its domain to the mini-program's request whitelist).
    baseUrl: 'https://siyu.glow-skin.example',
    campaignId: 'glow-skin',
  },

  /** The member's client: a promise, shared by every page. */
  siyu() {
    if (!this.client) {
      const { baseUrl, campaignId } = this.globalData;
      this.client = initWx({ path: '/siyu/engine_bg.wasm' })
        .then(() => createClient({ baseUrl, campaignId, ...wxAdapters(wx) }))
        .catch((error) => {
          this.client = null;
          throw error;
        });
    }
    return this.client;
  },
});
