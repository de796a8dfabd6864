// Finds the language a widget should speak from the page around it, and tells widgets when the page's languages change.
import { matchLang, type Lang } from '../locales.js';

/** The nearest `lang` around `el`, crossing shadow roots, as a supported language; else zh-CN. */
export function pageLang(el: Element): Lang {
  let node: Element | null = el.parentElement ?? hostOf(el);
  while (node) {
    const found = node.closest('[lang]');
    if (found) {
      const lang = matchLang(found.getAttribute('lang'));
      if (lang) return lang;
      node = found.parentElement ?? hostOf(found);
    } else {
      node = hostOf(node);
    }
  }
  return 'zh-CN';
}

function hostOf(node: Node): Element | null {
  // Server-side rendering has no ShadowRoot class, and no page around the element either.
  if (typeof ShadowRoot === 'undefined' || typeof node.getRootNode !== 'function') return null;
  const root = node.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
}

const listeners = new Set<() => void>();
let observer: MutationObserver | null = null;

/**
 * Calls `listener` whenever a `lang` attribute changes anywhere in the document. One observer serves every
 * widget, and it filters on `lang`, so a busy page costs nothing more than its language switches.
 */
export function onPageLangChange(listener: () => void): () => void {
  listeners.add(listener);
  if (!observer && typeof MutationObserver !== 'undefined') {
    observer = new MutationObserver(() => listeners.forEach((notify) => notify()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'], subtree: true });
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      observer?.disconnect();
      observer = null;
    }
  };
}
