// Types of scripts/build.mjs for the TypeScript suites that import it.
import type { Sizes } from './bundle.mjs';

export declare function buildPackage(outDir?: string, options?: { readonly regenerate?: boolean }): Promise<Sizes & { readonly file: string; readonly integrity: string }>;
