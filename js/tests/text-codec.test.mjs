// The package's UTF-8 TextEncoder / TextDecoder (used where a mini-program has none) agree
// with Node's own, byte for byte and character for character.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Utf8Decoder, Utf8Encoder } from '../pkg/text-codec.js';

const native = { encoder: new TextEncoder(), decoder: new TextDecoder('utf-8', { ignoreBOM: true }) };

/** A fixed pseudo-random sequence, so that a failure can be replayed. */
function sequence(seed) {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

test('encoding matches the native encoder, lone surrogates included', () => {
  const encoder = new Utf8Encoder();
  const samples = ['', 'abc', '补签 · 光研', '🌸🌿', 'a\u0000b', '\ud800', 'x\udc00y', '\udbff\udfff', '\ufeffbom'];
  const next = sequence(7);
  for (let i = 0; i < 300; i++) {
    let text = '';
    for (let j = next(40); j > 0; j--) text += String.fromCharCode(next(3) === 0 ? next(0x10000) : next(0x800));
    samples.push(text);
  }
  for (const text of samples) {
    assert.deepEqual(encoder.encode(text), native.encoder.encode(text), JSON.stringify(text));
  }
  assert.equal(encoder.encoding, 'utf-8');
  assert.deepEqual(encoder.encode(), new Uint8Array(0));
});

test('decoding matches the native decoder, invalid bytes included', () => {
  const decoder = new Utf8Decoder('utf-8', { ignoreBOM: true });
  const samples = [
    [],
    [0x61, 0x62],
    [0xef, 0xbb, 0xbf, 0x41],
    [0xc0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf0, 0x9f, 0x8c],
    [0xe6, 0x97, 0xa5, 0xff, 0x41],
    [0x80, 0xbf, 0xc2],
  ];
  const next = sequence(11);
  for (let i = 0; i < 500; i++) {
    const bytes = [];
    for (let j = next(30); j > 0; j--) bytes.push(next(4) === 0 ? next(256) : next(3) === 0 ? 0x80 + next(64) : next(128));
    samples.push(bytes);
  }
  for (const bytes of samples) {
    const input = new Uint8Array(bytes);
    assert.equal(decoder.decode(input), native.decoder.decode(input), JSON.stringify(bytes));
  }
  // A long text crosses in chunks.
  const long = '光'.repeat(20000) + 'end';
  assert.equal(decoder.decode(native.encoder.encode(long)), long);
  assert.equal(decoder.decode(), '');
});

test('a BOM is dropped unless ignoreBOM, and fatal throws on bad bytes', () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]);
  assert.equal(new Utf8Decoder().decode(bom), 'A');
  assert.equal(new Utf8Decoder('utf-8', { ignoreBOM: true }).decode(bom), '\ufeffA');
  assert.throws(() => new Utf8Decoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])), TypeError);
  assert.throws(() => new Utf8Decoder('latin1'), RangeError);
  // Views into a larger buffer decode only their part.
  const buffer = new Uint8Array([0x41, 0x42, 0x43, 0x44]);
  assert.equal(new Utf8Decoder().decode(buffer.subarray(1, 3)), 'BC');
});
