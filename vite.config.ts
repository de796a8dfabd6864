// Two builds: `--mode bundle` makes the single-file script-tag bundle; the default builds the demo and dashboard pages.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig(({ mode }) => {
  if (mode === 'bundle') {
    return {
      build: {
        target: 'es2022',
        outDir: resolve(root, 'dist'),
        emptyOutDir: false,
        sourcemap: true,
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
        input: { index: resolve(root, 'demo/index.html') },
      },
    },
  };
});
