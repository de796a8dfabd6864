// Types of scripts/phone-metadata.mjs for the TypeScript suites that import it.
import type { MetadataJson } from 'libphonenumber-js/core';

export declare const outputPath: string;
export declare const sourcePath: string;
export declare function chinaSlice(): Promise<MetadataJson>;
export declare function serialise(metadata: MetadataJson): string;
export declare function writePhoneMetadata(): Promise<boolean>;
