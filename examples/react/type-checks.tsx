// Compile-time checks of the JSX typings (tsc -p examples/react): each @ts-expect-error line must stay an error.
import 'carrier-verify/react';
import type { MismatchEvent } from 'carrier-verify';

export const accepted = (
  <carrier-verify site-key="sandbox" lang="zh-TW" disabled={false} oncv-mismatch={(event: MismatchEvent) => event.detail.code} />
);
/** An i18n library's current language, any tag: the element matches it to the nearest it speaks. */
declare const locale: string;
export const anyLanguage = <carrier-verify lang={locale} name-field="real_name" phone-field="mobile" />;
// @ts-expect-error `lang` is a language tag, not a number
export const numericLanguage = <carrier-verify lang={86} />;
// @ts-expect-error `required` is a boolean property, not a string
export const wrongPropertyType = <carrier-verify required="yes" />;
// @ts-expect-error a cv-verified listener gets a VerifiedEvent, whose detail has no `field`
export const wrongEventDetail = <carrier-verify oncv-verified={(event) => event.detail.field} />;
// @ts-expect-error the element has no `colour` property
export const unknownProperty = <carrier-verify colour="red" />;
