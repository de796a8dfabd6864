// Builds and tests: `--mode bundle` makes the single-file script-tag bundle, the default builds the demo and
// dashboard pages, and vitest (mode `test`) runs the Node suites under test/ (browser suites run in Chromium).
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { minifyTemplates } from './scripts/minify-templates.js';

const root = import.meta.dirname;

/** The module of libphonenumber-js that formats numbers, imported by its PhoneNumber class. */
const PHONE_FORMAT_MODULE = /[\\/]libphonenumber-js[\\/]es6(?:-modern)?[\\/]format\.js$/;
const FORMAT_STUB = '\0carrier-verify:no-phone-formatting';

/**
 * Leaves libphonenumber-js's formatter out of the script-tag bundle. The widget uses its PhoneNumber class only for
 * `getType()` and groups digits itself, but the class's `format*()` methods import the formatter, and a bundler
 * cannot drop a class's unused methods: about 2.4 KB minified (0.9 KB gzipped) of formatting rules, RFC 3966 and
 * IDD prefixes would ship for nothing. The stub fails loudly if anything ever formats through it.
 */
function withoutPhoneFormatting(): Plugin {
  return {
    name: 'carrier-verify:without-phone-formatting',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || source !== './format.js') return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && PHONE_FORMAT_MODULE.test(resolved.id) ? FORMAT_STUB : null;
    },
    load(id) {
      if (id !== FORMAT_STUB) return null;
      return "export default function formatNumber() { throw new Error('<carrier-verify>: phone number formatting is not in the script-tag bundle'); }";
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
      },
    };
  }
  if (mode === 'bundle') {
    return {
      plugins: [minifyTemplates(/\/widget\/.*\.ts$/), withoutPhoneFormatting()],
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
        // ever read as `this._name`, they are renamed alike everywhere.
        terserOptions: { ecma: 2020, compress: { passes: 4 }, mangle: { properties: { regex: WIDGET_STATE } } },
        // Those passes take a few seconds: known, and not worth a warning on each build.
        rolldownOptions: { checks: { bundlerTimings: false } },
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
    base: '/',
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
