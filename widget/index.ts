// The package's browser entry: defines <carrier-verify> and exports its class, events, checks and types.
import './define.js';

export { CarrierVerify } from './carrier-verify.js';
export * from './api.js';
