// Types of scripts/bundle.mjs for the TypeScript suites that import it.
export interface Sizes {
  readonly raw: number;
  readonly gzip: number;
  readonly brotli: number;
}
export declare const root: string;
export declare const BUNDLE_FILE: string;
export declare const BUNDLE_GZIP_LIMIT: number;
export declare const BUNDLE_GZIP_AIM: number;
export declare function compressedSizes(code: string | Uint8Array): Sizes;
export declare function integrityOf(bytes: string | Uint8Array): string;
export declare function buildScriptTagBundle(outDir: string): Promise<Sizes & { readonly file: string; readonly integrity: string }>;
export declare function buildPages(outDir: string): Promise<void>;
export declare function formatBytes(bytes: number): string;
