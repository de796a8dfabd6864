// A Vite plugin for the script-tag bundle: squeezes the whitespace and comments out of Lit's css`` and html`` templates.
// The JS minifier keeps template text as written; this text is most of the element's weight after Lit itself.
import MagicString from 'magic-string';
import type { Plugin } from 'vite';

interface Quasi {
  readonly start: number;
  readonly end: number;
  readonly value: { readonly raw: string };
}
interface Node {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** CSS text: comments dropped, whitespace runs folded, and no space kept around `{`, `}`, `;`, `,` or after `:`. */
export function squeezeCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    // A selector's child and sibling combinators, which need no spaces (no calc() here holds a + to keep them for).
    .replace(/ ?([>+~]) ?/g, '$1')
    // A number's leading zero: 0.85em is .85em.
    .replace(/([\s:,(-])0\.(\d)/g, '$1.$2')
    // An attribute selector's value that is a word needs no quotes: [theme='dark'] is [theme=dark].
    .replace(/\[([\w-]+)='([a-z][\w-]*)'\]/g, '[$1=$2]');
}

/** HTML text: a whitespace run with a line break becomes one space, which is all HTML keeps of it anyway. */
export function squeezeHtml(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

const squeezers: Record<string, (text: string) => string> = { css: squeezeCss, html: squeezeHtml };

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/** Every `css`…`` or `html`…`` template part in the program, with its squeezer. */
function* templateParts(node: unknown): Generator<[Quasi, (text: string) => string]> {
  if (Array.isArray(node)) {
    for (const child of node) yield* templateParts(child);
    return;
  }
  if (!isNode(node)) return;
  if (node.type === 'TaggedTemplateExpression') {
    const tag = node.tag as Node;
    const squeeze = tag.type === 'Identifier' ? squeezers[tag.name as string] : undefined;
    if (squeeze) for (const quasi of (node.quasi as { quasis: Quasi[] }).quasis) yield [quasi, squeeze];
  }
  for (const [key, value] of Object.entries(node)) if (key !== 'type') yield* templateParts(value);
}

/** Applies to the widget's own modules (`include`), after TypeScript has been stripped. */
export function minifyTemplates(include: RegExp): Plugin {
  return {
    name: 'carrier-verify:minify-templates',
    enforce: 'post',
    apply: 'build',
    transform(code, id) {
      if (!include.test(id) || !/\b(css|html)`/.test(code)) return null;
      const out = new MagicString(code);
      for (const [quasi, squeeze] of templateParts(this.parse(code))) {
        const next = squeeze(quasi.value.raw);
        if (next !== quasi.value.raw) out.overwrite(quasi.start, quasi.end, next);
      }
      return out.hasChanged() ? { code: out.toString(), map: out.generateMap({ hires: 'boundary' }) } : null;
    },
  };
}
