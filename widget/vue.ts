// Vue 3 entry: defines <carrier-verify> and types it in templates through `GlobalComponents`, events included.
import type { DefineComponent } from 'vue';
import type { SettableProperties } from './carrier-verify.js';
import type { CarrierVerifyEventMap } from './events.js';

export * from './index.js';

type Camelize<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camelize<Tail>>}` : S;

/** The element's settable properties; Vue sets them as properties on a custom element that has them. */
export type CarrierVerifyVueProps = SettableProperties;

/** `@cv-verified="…"` compiles to an `onCvVerified` prop, which Vue turns back into a `cv-verified` listener. */
export type CarrierVerifyVueEvents = {
  [K in keyof CarrierVerifyEventMap as `on${Capitalize<Camelize<K>>}`]?: (event: CarrierVerifyEventMap[K]) => void;
};

declare module 'vue' {
  interface GlobalComponents {
    'carrier-verify': DefineComponent<CarrierVerifyVueProps & CarrierVerifyVueEvents>;
  }
}
