// Types for a page that loads the script-tag bundle (dist/carrier-verify.js) with a <script> tag and uses the global
// it defines from TypeScript: `/// <reference types="carrier-verify/carrier-verify.js" />` in one of the page's files
// declares `CarrierVerify` (also `window.CarrierVerify`), the class and the type of its instances, and, as the ESM entry does, the element's tag and events.
// The bundle's entry (widget/bundle.ts) is checked against this declaration.
import type * as api from './index.js';

declare global {
  /**
   * The element's class, defined by the script-tag bundle, with the rest of the package's exports on it:
   * `CarrierVerify.timeout = 10_000`, `CarrierVerify.checkPhone('138 0013 8000')`, `new CarrierVerify.VerifiedEvent(…)`.
   */
  var CarrierVerify: typeof api.CarrierVerify & typeof api;
  /** An instance of the element, as `document.querySelector('carrier-verify')` gives it. */
  type CarrierVerify = api.CarrierVerify;
}

export {};
