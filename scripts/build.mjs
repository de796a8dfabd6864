// npm run build: dist/ with the ESM package and its types (tsc), the script-tag bundle and the pages (Vite) and
// custom-elements.json. `--out <dir>` builds elsewhere (the package test builds into a temporary folder).
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUNDLE_FILE, BUNDLE_GZIP_LIMIT, buildPages, buildScriptTagBundle, formatBytes, root } from './bundle.mjs';
import { generateManifest } from './manifest.mjs';
import { writePhoneMetadata } from './phone-metadata.mjs';

/** What `npm run build` owns in the output folder; anything else there is someone else's. */
const outputs = ['widget', 'server', 'site', BUNDLE_FILE, `${BUNDLE_FILE}.map`, 'custom-elements.json'];

function compileTypes(outDir) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error('tsc failed: see the errors above');
}

/**
 * Builds the whole package into `outDir`; returns the script-tag bundle's sizes. `regenerate: false` leaves
 * widget/phone-metadata.ts as committed (the package test must not mend what the metadata test checks).
 */
export async function buildPackage(outDir = join(root, 'dist'), { regenerate = true } = {}) {
  if (regenerate && (await writePhoneMetadata())) console.log('build: regenerated widget/phone-metadata.ts from libphonenumber-js');
  await mkdir(outDir, { recursive: true });
  await Promise.all(outputs.map((name) => rm(join(outDir, name), { recursive: true, force: true })));
  compileTypes(outDir);
  const bundle = await buildScriptTagBundle(outDir);
  // The demo and dashboard pages, which the proxy serves at / and /dashboard wherever it is installed.
  await buildPages(join(outDir, 'site'));
  // Module paths in the manifest are written as the package ships them: dist/widget/*.js.
  const manifest = await generateManifest('dist');
  await writeFile(join(outDir, 'custom-elements.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return bundle;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const outDir = resolve(values.out ?? join(root, 'dist'));
  try {
    const bundle = await buildPackage(outDir);
    const verdict = bundle.gzip <= BUNDLE_GZIP_LIMIT ? 'within' : 'OVER';
    console.log(`build: ${outDir}`);
    console.log(`build: ${BUNDLE_FILE} ${formatBytes(bundle.raw)}, gzip ${formatBytes(bundle.gzip)} (${verdict} the ${formatBytes(BUNDLE_GZIP_LIMIT)} limit), brotli ${formatBytes(bundle.brotli)}`);
    console.log(`build: ${BUNDLE_FILE} integrity ${bundle.integrity}`);
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
