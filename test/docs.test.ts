// The README and docs/ link to each other and to files of the repository: every such link leads somewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, each space a hyphen. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');

/** The text outside fenced code blocks, where a `](…)` is a link rather than code. */
const prose = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '');

const anchorsOf = (file: string): Set<string> =>
  new Set([...prose(readFileSync(join(root, file), 'utf8')).matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));

/** Every relative link of a document: its target file (from the repository's root) and its anchor, if any. */
function linksOf(file: string): { text: string; target: string; anchor: string | undefined }[] {
  return [...prose(readFileSync(join(root, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href))
    .map((href) => {
      const [path = '', anchor] = href.split('#');
      const target = path === '' ? file : relative(root, join(root, dirname(file), decodeURIComponent(path)));
      return { text: href, target, anchor };
    });
}

describe('the documentation', () => {
  it('has the README link to every document in docs/, and each document link back to the README', () => {
    const fromReadme = new Set(linksOf('README.md').map((link) => link.target));
    expect(documents.filter((file) => file !== 'README.md' && !fromReadme.has(file))).toEqual([]);
    const withoutWayBack = documents.filter((file) => file !== 'README.md' && !linksOf(file).some((link) => link.target === 'README.md'));
    expect(withoutWayBack).toEqual([]);
  });

  it.each(documents)('%s links only to files that exist, and to headings they have', (file) => {
    const broken = linksOf(file)
      .filter(({ target, anchor }) => !existsSync(join(root, target)) || (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)))
      .map((link) => link.text);
    expect(broken).toEqual([]);
  });

  // A newcomer pastes the page's snippet, then the backend's: the form must post every field the backend reads.
  it.each(['README.md', 'docs/backend.md'])("%s: its page's form posts the fields its backend snippet reads", (file) => {
    const blocks = [...readFileSync(join(root, file), 'utf8').matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((match) => ({ lang: match[1]!, code: match[2]! }));
    const page = blocks.find(({ lang, code }) => lang === 'html' && code.includes('<form'))?.code ?? '';
    const backend = blocks.find(({ lang, code }) => lang === 'js' && code.includes('/api/siteverify'))?.code ?? '';
    const read = (/const \{([^}]*)\} = req\.body/.exec(backend)?.[1] ?? '').split(',').map((field) => field.split(':')[0]!.trim()).filter(Boolean);
    expect(read).not.toEqual([]);
    const posted = [...page.matchAll(/\b(?:name|phone)-field="([^"]+)"/g)].map((match) => match[1]);
    expect(read.filter((field) => !posted.includes(field))).toEqual([]);
  });
});
