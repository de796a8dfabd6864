// Entry of the single-file script-tag bundle: defines <carrier-verify> and exposes its class as `window.CarrierVerify`,
// carrying the rest of the API as static properties (`CarrierVerify.checkPhone`, `CarrierVerify.VerifiedEvent`…),
// itself included (`CarrierVerify.CarrierVerify`, which the global's earlier form, the module namespace, had).
import * as api from './index.js';

export default Object.assign(api.CarrierVerify, api);
