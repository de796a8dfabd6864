// Entry of the single-file script-tag bundle: defines <carrier-verify> and exposes the API as `window.CarrierVerify`.
export * from './index.js';
