// Types of scripts/manifest.mjs for the TypeScript suites that import it.
import type { Package } from 'custom-elements-manifest/schema';

export declare const manifestSources: readonly string[];
export declare function generateManifest(distDir: string): Promise<Package>;
