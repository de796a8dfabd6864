// The package's element entries where there is no DOM to render into: an edge runtime's server-side rendering
// (Cloudflare workerd, Vercel's edge), a worker. Lit's browser build, which bundlers for those runtimes pick, defines
// its base class on HTMLElement as the module loads and would throw there; Node gets Lit's own server build instead.
// Everything the main entry exports works here but the element, which is a placeholder: a page rendered on such a
// server shows `<carrier-verify>` as markup, and the browser's copy of the package makes it the element.
export * from './api.js';

/** Stands in for the element class where there is no DOM: importing it works, making one says why it cannot. */
export class CarrierVerify {
  constructor() {
    throw new TypeError('<carrier-verify> needs a DOM: this runtime has none, so only the markup is rendered here');
  }
}
