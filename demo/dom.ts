// The one DOM look-up the demo pages need: an element the page must have, or a clear error naming it.

export function $<T extends Element>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page lacks ${selector}`);
  return found;
}
