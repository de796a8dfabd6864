// Vue 3 entry: defines <carrier-verify> and types it in templates through `GlobalComponents`, events included.
import type { HTMLAttributes, PublicProps } from 'vue';
import type { CarrierVerify, SettableProperties } from './carrier-verify.js';
import type { CarrierVerifyEventMap } from './events.js';

export * from './index.js';

type Camelize<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camelize<Tail>>}` : S;

/** The element's settable properties; Vue sets them as properties on a custom element that has them. */
export type CarrierVerifyVueProps = SettableProperties;

/** `@cv-verified="…"` compiles to an `onCvVerified` prop, which Vue turns back into a `cv-verified` listener. */
export type CarrierVerifyVueEvents = {
  [K in keyof CarrierVerifyEventMap as `on${Capitalize<Camelize<K>>}`]?: (event: CarrierVerifyEventMap[K]) => void;
};

/**
 * The tag as templates see it: an instance is the element itself, so that a template ref (`useTemplateRef`) is a
 * `CarrierVerify`; `$props` is what a template may write on it, the global attributes (`id`, `aria-*`, `data-*`)
 * beside its own properties and events.
 */
export type CarrierVerifyVueElement = new () => CarrierVerify & {
  /** For template type checks only: the element has no such property. */
  $props: Omit<HTMLAttributes, 'lang'> & PublicProps & CarrierVerifyVueProps & CarrierVerifyVueEvents;
};

declare module 'vue' {
  interface GlobalComponents {
    'carrier-verify': CarrierVerifyVueElement;
  }
}
