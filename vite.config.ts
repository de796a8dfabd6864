// Builds and tests: `--mode bundle` makes the single-file script-tag bundle, the default builds the demo and
// dashboard pages, and vitest (mode `test`) runs the Node suites under test/ (browser suites run in Chromium).
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { minifyTemplates } from './scripts/minify-templates.js';

const root = import.meta.dirname;

/**
 * Modules of libphonenumber-js that only the PhoneNumber class's unused methods import: those of `format*()` and
 * `getURI()` (the formatter), `isPossible()`, `isValid()`, `getPossibleCountries()`, and the constructor's public
 * `(e164, metadata)` form (the widget passes the country and national number).
 */
const UNUSED_PHONE_MODULES: ReadonlySet<string> = new Set([
  'format.js',
  'isPossible.js',
  'isValid.js',
  'helpers/getPossibleCountriesForNumber.js',
  'helpers/extractCountryCallingCode.js',
]);
/**
 * Modules the Metadata class imports for what the bundle's metadata never asks: the comparison of a version written as
 * a string (`"1.7.35"`, metadata of old versions), where the bundle's China slice says its version as a number (4).
 */
const UNUSED_METADATA_MODULES: ReadonlySet<string> = new Set(['tools/semver-compare.js']);
const PHONE_MODULE = /[\\/]libphonenumber-js[\\/]es6(?:-modern)?[\\/](.+)$/;
/** The one module every left-out one resolves to: which part was called is on its stack, so it need not say. */
const STUB = '\0carrier-verify:not-in-bundle';

/**
 * Leaves out of the script-tag bundle what the widget never calls of libphonenumber-js. It uses the PhoneNumber
 * class only for `getType()` (which reads the metadata's patterns itself) and groups digits on its own, but the
 * class's other methods import the formatter (formatting rules, RFC 3966, IDD prefixes), the possible-length and
 * validity checks and the country lookup, and a bundler cannot drop a class's unused methods: 4.1 KB minified
 * (1.2 KB gzipped) would ship for nothing. They are one stub, a function that fails loudly if anything ever calls it.
 */
function withoutUnusedPhoneModules(): Plugin {
  return {
    name: 'carrier-verify:without-unused-phone-modules',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      // Only the class's own imports: other modules of the library (parsing, finding numbers) import the same
      // files by other names, and are left out of the bundle anyway since the widget imports none of them.
      const from = importer && source.startsWith('.') ? PHONE_MODULE.exec(importer)?.[1] : undefined;
      const unused = from === 'PhoneNumber.js' ? UNUSED_PHONE_MODULES : from === 'metadata.js' ? UNUSED_METADATA_MODULES : undefined;
      if (!unused) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const module = resolved && PHONE_MODULE.exec(resolved.id)?.[1]?.replaceAll('\\', '/');
      return module && unused.has(module) ? STUB : null;
    },
    load(id) {
      if (id !== STUB) return null;
      return `export default function notInBundle() { throw new Error('<carrier-verify> bundle: a part of libphonenumber-js it leaves out'); }`;
    },
  };
}

/** The element's reactive internal state (`_status`, `_nameValue`…): never named in a string, so safe to rename. */
const WIDGET_STATE = /^_(?:status|nameValue|phoneValue|nameError|phoneError|notice|error|formDisabled)$/;

export default defineConfig(({ mode }) => {
  if (mode === 'test') {
    return {
      test: {
        include: ['test/**/*.test.ts'],
        exclude: ['test/browser/**', 'node_modules/**'],
        testTimeout: 20_000,
        hookTimeout: 30_000,
        // A condition polled for (a page's status, a count on another instance) gets 5 s rather than 1 on a loaded
        // machine: it only waits longer, never lets a wrong value pass.
        expect: { poll: { timeout: 5000 } },
      },
    };
  }
  if (mode === 'bundle') {
    return {
      plugins: [minifyTemplates(/\/widget\/.*\.ts$/), withoutUnusedPhoneModules()],
      // The same libphonenumber-js API, from the package's untranspiled ES2015+ build: no per-module Babel helpers.
      resolve: {
        alias: [{ find: /^libphonenumber-js\/core$/, replacement: 'libphonenumber-js/core/es6' }],
        // Always Lit's production build, whatever NODE_ENV the calling process has (vitest sets `test`).
        conditions: ['module', 'browser', 'production'],
      },
      build: {
        target: 'es2022',
        outDir: resolve(root, 'dist'),
        emptyOutDir: false,
        sourcemap: true,
        // Terser rather than Vite's default oxc: its later passes fold the constant arguments of libphonenumber-js's
        // single calls into the functions they reach and drop the branches they rule out (the third about 0.6 KB
        // gzipped, the fourth 0.6 KB more: the parsing of numbers without `+`, which the widget never hands it; a
        // fifth finds nothing). test/package/examples.test.ts has the bundle judge every kind of number as the source.
        minify: 'terser',
        // The element's internal state properties get short names too: declared in `static properties` and only
        // ever read as `this._name`, they are renamed alike everywhere. The file is ASCII, its Chinese texts
        // written as `\u` escapes: a classic script served without a charset is decoded in the page's encoding,
        // and many Chinese sites are in GBK (gzipped, the escapes also weigh 0.2 KB less).
        terserOptions: { ecma: 2020, compress: { passes: 4 }, mangle: { properties: { regex: WIDGET_STATE } }, format: { ascii_only: true } },
        // Those passes take a few seconds: known, and not worth a warning on each build.
        // Off a browser (a server importing the package's exports one by one, a test runner without a DOM) the bundle
        // defines nothing rather than throw: the element's class extends HTMLElement, which a server does not have.
        rolldownOptions: { checks: { bundlerTimings: false }, output: { banner: 'if (typeof HTMLElement != "undefined") {', footer: '}' } },
        lib: {
          entry: resolve(root, 'widget/bundle.ts'),
          name: 'CarrierVerify',
          formats: ['iife'],
          fileName: () => 'carrier-verify.js',
        },
      },
    };
  }
  return {
    root: resolve(root, 'demo'),
    // Relative URLs: the proxy serves the pages wherever the app is mounted, with a base element naming where.
    base: './',
    build: {
      target: 'es2022',
      outDir: resolve(root, 'dist/site'),
      emptyOutDir: true,
      rollupOptions: {
        input: { index: resolve(root, 'demo/index.html'), dashboard: resolve(root, 'demo/dashboard.html') },
      },
    },
  };
});
