// UTF-8 TextEncoder / TextDecoder for hosts that lack them (some mini-program base library
// versions). The engine's glue (engine.js) imports these two names from here instead of
// reading globals, so nothing is installed on the host's global object: when the host has its
// own TextEncoder / TextDecoder they are used, otherwise the small ones below.
//
// Behaviour follows the WHATWG Encoding Standard for UTF-8: lone surrogates encode as U+FFFD;
// invalid byte sequences decode as U+FFFD (or throw with `fatal: true`); a leading BOM is
// dropped unless `ignoreBOM: true`.

const REPLACEMENT = 0xfffd;
// Code units per String.fromCharCode call: well below every engine's argument limit.
const CHUNK_UNITS = 8192;

export class Utf8Encoder {
  get encoding() {
    return 'utf-8';
  }

  encode(input = '') {
    const text = String(input);
    const out = new Uint8Array(text.length * 3);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = REPLACEMENT;
        }
      }
      if (c < 0x80) {
        out[n++] = c;
      } else if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
        out[n++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      }
    }
    return out.slice(0, n);
  }
}

export class Utf8Decoder {
  constructor(label = 'utf-8', options = {}) {
    const name = String(label).trim().toLowerCase();
    if (name !== 'utf-8' && name !== 'utf8' && name !== 'unicode-1-1-utf-8') {
      throw new RangeError(`this TextDecoder only decodes UTF-8, not "${label}"`);
    }
    this.fatal = Boolean(options && options.fatal);
    this.ignoreBOM = Boolean(options && options.ignoreBOM);
  }

  get encoding() {
    return 'utf-8';
  }

  decode(input) {
    if (input === undefined || input === null) {
      return '';
    }
    const bytes = ArrayBuffer.isView(input)
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : new Uint8Array(input);
    let i = 0;
    if (!this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      i = 3;
    }
    let result = '';
    let units = [];
    const push = (codePoint) => {
      if (codePoint > 0xffff) {
        const v = codePoint - 0x10000;
        units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
      } else {
        units.push(codePoint);
      }
      if (units.length >= CHUNK_UNITS) {
        result += String.fromCharCode.apply(null, units);
        units = [];
      }
    };
    const bad = () => {
      if (this.fatal) {
        throw new TypeError('The encoded data was not valid UTF-8');
      }
      push(REPLACEMENT);
    };
    while (i < bytes.length) {
      const b = bytes[i];
      if (b < 0x80) {
        push(b);
        i++;
        continue;
      }
      // The sequence length and the allowed range of the second byte (no overlongs, no
      // surrogates, nothing past U+10FFFF).
      let need = 0;
      let low = 0x80;
      let high = 0xbf;
      let codePoint = 0;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        codePoint = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        codePoint = b & 0x0f;
        if (b === 0xe0) low = 0xa0;
        if (b === 0xed) high = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        codePoint = b & 0x07;
        if (b === 0xf0) low = 0x90;
        if (b === 0xf4) high = 0x8f;
      } else {
        bad();
        i++;
        continue;
      }
      let j = i + 1;
      let ok = true;
      for (let k = 0; k < need; k++, j++) {
        const next = bytes[j];
        const min = k === 0 ? low : 0x80;
        const max = k === 0 ? high : 0xbf;
        if (j >= bytes.length || next < min || next > max) {
          ok = false;
          break;
        }
        codePoint = (codePoint << 6) | (next & 0x3f);
      }
      if (ok) {
        push(codePoint);
        i = j;
      } else {
        // The maximal subpart of a bad sequence is one replacement character.
        bad();
        i = j;
      }
    }
    return result + String.fromCharCode.apply(null, units);
  }
}

// The host's own when it has them; `typeof` never throws on a missing global.
const Encoder = typeof TextEncoder === 'function' ? TextEncoder : Utf8Encoder;
const Decoder = typeof TextDecoder === 'function' ? TextDecoder : Utf8Decoder;

export { Encoder as TextEncoder, Decoder as TextDecoder };
