// Entry of the single-file script-tag bundle: defines <carrier-verify> and exposes its class as `window.CarrierVerify`,
// carrying the rest of the API as static properties (`CarrierVerify.checkPhone`, `CarrierVerify.VerifiedEvent`…),
// itself included (`CarrierVerify.CarrierVerify`, which the global's earlier form, the module namespace, had).
// Its type is the global that widget/script-tag.ts declares for pages written in TypeScript.
import * as api from './index.js';
import type {} from './script-tag.js';

export default Object.assign(api.CarrierVerify, api) satisfies typeof globalThis.CarrierVerify;
