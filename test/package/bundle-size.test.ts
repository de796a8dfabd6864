// The script-tag bundle, built here from source into a temporary folder: at most 24 KB gzipped, zod/mini in, and production Lit.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_GZIP_LIMIT, buildScriptTagBundle } from '../../scripts/bundle.mjs';
import { squeezeCss, squeezeHtml } from '../../scripts/minify-templates.js';

let work: string;
let bundle: Awaited<ReturnType<typeof buildScriptTagBundle>>;
let code: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'carrier-verify-bundle-'));
  bundle = await buildScriptTagBundle(work);
  code = await readFile(bundle.file, 'utf8');
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the script-tag bundle', () => {
  it(`weighs at most ${BUNDLE_GZIP_LIMIT} bytes gzipped, everything included`, () => {
    expect(bundle.gzip).toBeGreaterThan(0);
    expect(bundle.gzip).toBeLessThanOrEqual(BUNDLE_GZIP_LIMIT);
  });

  it('is one classic script that registers the element and exposes window.CarrierVerify', () => {
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    // Guarded, so that a server importing it (the package exports it) gets nothing rather than an error.
    expect(code).toMatch(/^if\("undefined"!=typeof HTMLElement\)var CarrierVerify=/);
    expect(code).toContain('customElements.define');
  });

  it("carries zod/mini's schemas of the request's fields, through which the widget checks each request before posting it", () => {
    expect(code).toContain('$ZodString');
    expect(code).toContain('$ZodOptional');
    // One schema a field: the object schema and its property machinery stay out.
    expect(code).not.toContain('$ZodObject');
  });

  it("carries Lit's production build, not its dev-mode warnings", () => {
    expect(code).not.toContain('Lit is in dev mode');
  });
});

describe('the template squeezer', () => {
  it('drops CSS comments and the spaces CSS ignores, keeping selectors and values', () => {
    expect(squeezeCss(`\n  /* why */\n  :host([theme='dark']) .field > input + * {\n    margin: 0 auto;\n    color: var(--cv-fg, #000);\n    font-size: 0.85em;\n    width: 10.5em;\n  }\n`)).toBe(
      ' :host([theme=dark]) .field>input+*{margin:0 auto;color:var(--cv-fg,#000);font-size:.85em;width:10.5em}',
    );
  });

  it('folds line breaks and indentation in HTML to the single space HTML renders', () => {
    expect(squeezeHtml('<label>\n      Name\n    </label>\n    <input>')).toBe('<label> Name </label> <input>');
  });
});
