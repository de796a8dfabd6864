// What the demo and the dashboard share to be shown in the widget's languages: the choice kept between visits, and
// a text put in an element with its `data-slot` children (code, a link) kept where the text names them.
import { langs, matchLang, type Lang } from '../widget/locales.js';

/** Where the language chosen on either page is kept: the demo's choice opens the dashboard in it, and back. */
export const STORED_LANG = 'carrier-verify-demo:lang';

/** The switches' choices are kept for the next visit; a browser that keeps nothing (storage off) is no matter. */
export function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not kept: the page goes on with the choice.
  }
}

export function recalled(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** The language chosen before, if any, else the first of the browser's languages the pages speak, else `fallback`. */
export function initialLang(fallback: (matched: readonly Lang[]) => Lang): Lang {
  const stored = recalled(STORED_LANG);
  if (langs.includes(stored as Lang)) return stored as Lang;
  return fallback(navigator.languages.map(matchLang).filter((match): match is Lang => match !== null));
}

/**
 * The page's own words in `lang`: its `lang`, its title, the text of each `data-text` element and the name of each
 * `data-label` one, each named by its key in `words`.
 */
export function showPageWords(lang: Lang, words: { readonly title: string }): void {
  const word = (key: string | undefined) => String((words as Readonly<Record<string, unknown>>)[key!]);
  document.documentElement.lang = lang;
  document.title = words.title;
  for (const element of document.querySelectorAll<HTMLElement>('[data-text]')) renderText(element, word(element.dataset.text));
  for (const element of document.querySelectorAll<HTMLElement>('[data-label]')) element.setAttribute('aria-label', word(element.dataset.label));
}

/**
 * An element's text in the page's language, the `data-slot` children it has put back where the text names them
 * (code, a link, the widget's button label), as they are.
 */
function renderText(element: HTMLElement, template: string): void {
  const slots = new Map(Array.from(element.querySelectorAll<HTMLElement>(':scope > [data-slot]'), (slot) => [slot.dataset.slot, slot]));
  element.replaceChildren(...template.split(/\{(\w+)\}/).map((part, index) => (index % 2 ? (slots.get(part) ?? part) : part)));
}

/** A text with its `{name}`s replaced by the values given; a name not given is left as written. */
export function fillIn(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The page, in its language now, is painted (see `data-pending` in the pages' CSS). */
export function reveal(): void {
  delete document.documentElement.dataset.pending;
}
