// React 19 entry: defines <carrier-verify> and types it in JSX, with its properties and an `on<event>` prop per event.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { CarrierVerify, SettableProperties } from './carrier-verify.js';
import type { CarrierVerifyEventMap } from './events.js';

export * from './index.js';

/** The element's settable properties; React 19 assigns them as properties, so objects and booleans pass as they are. */
export type CarrierVerifyProperties = SettableProperties;

/** Attribute spellings of the properties whose attribute name differs from the property name. */
export interface CarrierVerifyAttributes {
  'site-key'?: string;
  'privacy-policy'?: string;
  'name-field'?: string;
  'phone-field'?: string;
}

/** One listener prop per event: React 19 adds `on<event-name>` props of a custom element as event listeners. */
export type CarrierVerifyReactEvents = {
  [K in keyof CarrierVerifyEventMap as `on${K}`]?: (event: CarrierVerifyEventMap[K]) => void;
};

/** Everything `<carrier-verify>` takes in JSX. */
export type CarrierVerifyJsxProps = Omit<DetailedHTMLProps<HTMLAttributes<CarrierVerify>, CarrierVerify>, 'lang'> &
  CarrierVerifyProperties &
  CarrierVerifyAttributes &
  CarrierVerifyReactEvents;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'carrier-verify': CarrierVerifyJsxProps;
    }
  }
}
