// Registers <carrier-verify> once, and only where custom elements exist (importing on a server must not throw).
import { CarrierVerify } from './carrier-verify.js';

if (typeof customElements !== 'undefined' && !customElements.get('carrier-verify')) {
  customElements.define('carrier-verify', CarrierVerify);
}
