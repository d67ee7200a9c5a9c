// Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip by zopfli, which packs the
// same format ~6% tighter than zlib's level 9) beside every text and wasm file of a built
// site, so the server sends them as they are (`ServeDir`'s precompressed variants) instead of
// compressing each answer on the fly at a fast level: fewer bytes for every landing page, and
// no compression work per page view.
//
// `node lib/precompress.mjs <dir>`; `cargo xtask` runs it after every site build. A variant
// that would not be smaller than its file is not written (the file is then sent as it is).
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { gzipAsync } from '@gfx/zopfli';

const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt']);

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && COMPRESSIBLE.has(extname(entry.name))) yield path;
  }
}

const dir = process.argv[2];
if (!dir || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
  console.error(`usage: node lib/precompress.mjs <built site folder> (got ${JSON.stringify(dir)})`);
  process.exit(2);
}
let [count, raw, brotli, gzip] = [0, 0, 0, 0];
for (const path of files(dir)) {
  const data = readFileSync(path);
  const variants = [
    ['.br', brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    })],
    ['.gz', Buffer.from(await gzipAsync(data, { numiterations: 5 }))],
  ];
  for (const [suffix, packed] of variants) {
    // Written after the file, so a variant is never older than what it was made from (the
    // server checks that before it serves any).
    if (packed.length < data.length) writeFileSync(path + suffix, packed);
    else rmSync(path + suffix, { force: true });
  }
  count += 1;
  raw += data.length;
  brotli += Math.min(variants[0][1].length, data.length);
  gzip += Math.min(variants[1][1].length, data.length);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`precompressed ${count} files in ${dir}: ${kb(raw)} -> brotli ${kb(brotli)}, gzip ${kb(gzip)}`);
