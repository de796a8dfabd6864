// The widget's look: every colour and size is a documented custom property, so a site can match its design.
import { unsafeCSS } from 'lit';

type Palette = Record<'bg' | 'fg' | 'muted' | 'border' | 'field-bg' | 'accent' | 'accent-fg' | 'focus' | 'error' | 'success' | 'warning', string>;

/*
 * Each colour is read through a private `--_x` that falls back to the theme's default only when the site has
 * not set `--cv-x`, on the element or on any ancestor: a site's colours win in every theme.
 */
const palette = (colors: Palette) => Object.entries(colors).map(([key, value]) => `--_${key}:var(--cv-${key},${value});`).join('');

/**
 * The stylesheet's tag: its text as written, the palettes put in. Lit's own `css` tag would check each value put in
 * for a page's untrusted input, which these are not, and its error text alone weighs 0.1 KB gzipped in the bundle.
 * (Named `css`, so that the build squeezes its text as it does Lit's.)
 */
const css = (text: TemplateStringsArray, ...palettes: string[]) => unsafeCSS(String.raw(text, ...palettes));

const light = palette({
  bg: '#fff',
  fg: '#1f2328',
  muted: '#59636e',
  border: '#8c959f',
  'field-bg': '#fff',
  accent: '#0b63ce',
  'accent-fg': '#fff',
  focus: '#0b63ce',
  error: '#c62828',
  success: '#1a7f37',
  warning: '#8a5c00',
});

const dark = palette({
  bg: '#161b22',
  fg: '#e6edf3',
  muted: '#9198a1',
  border: '#656c76',
  'field-bg': '#0d1117',
  accent: '#4493f8',
  'accent-fg': '#0d1117',
  focus: '#4493f8',
  error: '#ff7b72',
  success: '#3fb950',
  warning: '#d29922',
});

export const styles = css`
  :host {
    ${light}
    color-scheme: light;
    display: block;
    max-width: 26rem;
    font-family: var(--cv-font, inherit);
    font-size: var(--cv-font-size, 1rem);
    line-height: 1.5;
    color: var(--_fg);
  }
  :host([theme='dark']) {
    ${dark}
    color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
      color-scheme: dark;
    }
  }
  :host([hidden]) {
    display: none;
  }
  form {
    position: relative;
    display: grid;
    gap: var(--cv-gap, 12px);
    padding: var(--cv-padding, 16px);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--cv-radius, 8px);
  }
  .field {
    display: grid;
  }
  .field > * + * {
    margin-top: 4px;
  }
  label {
    font-weight: 600;
  }
  input {
    font: inherit;
    color: var(--_fg);
    background: var(--_field-bg);
    border: 1px solid var(--_border);
    border-radius: var(--cv-field-radius, 6px);
    padding: 9px 10px;
    min-width: 0;
    /* 44 px tall with its padding and border (a field's height is its content's), at any text size a site sets. */
    min-height: 24px;
  }
  #phone {
    font-variant-numeric: tabular-nums;
    letter-spacing: 0.02em;
  }
  /* Locked after a verification: tinted, so that it does not look editable. */
  input[readonly] {
    background: color-mix(in srgb, var(--_border) 25%, transparent);
    border-style: dashed;
  }
  input[aria-invalid='true'] {
    border-color: var(--_error);
    box-shadow: inset 3px 0 0 var(--_error);
  }
  /* Disabled (its attribute, or a disabled fieldset): faded as its buttons are, so that it does not look editable. */
  input:disabled {
    cursor: not-allowed;
    color: var(--_muted);
    background: color-mix(in srgb, var(--_border) 12%, var(--_bg));
    border-color: color-mix(in srgb, var(--_border) 55%, var(--_bg));
  }
  input:focus-visible,
  button:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .hint,
  .privacy {
    color: var(--_muted);
    font-size: 0.85em;
  }
  [part~='hint-warning'] {
    color: var(--_warning);
  }
  .error {
    color: var(--_error);
    font-size: 0.85em;
  }
  .hint:empty {
    display: none;
  }
  /* Kept in the accessibility tree while empty, so that a screen reader speaks an error as it appears; no room taken. */
  .error:empty {
    margin: 0;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  button {
    font: inherit;
    font-weight: 600;
    border-radius: var(--cv-field-radius, 6px);
    padding: 9px 18px;
    min-height: 44px;
    cursor: pointer;
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: var(--_accent-fg);
    transition: filter 0.15s;
  }
  button:hover {
    filter: brightness(1.08);
  }
  .secondary {
    background: transparent;
    color: var(--_accent);
  }
  /* Faded colours, not opacity: a button that keeps the focus while it cannot be used keeps a full focus ring. */
  button:disabled,
  button[aria-disabled='true'] {
    cursor: not-allowed;
    filter: none;
    --_faded: color-mix(in srgb, var(--_accent) 55%, var(--_bg));
    background: var(--_faded);
    border-color: var(--_faded);
  }
  .secondary:is(:disabled, [aria-disabled='true']) {
    background: transparent;
    color: var(--_faded);
  }
  button[aria-busy='true'] {
    cursor: progress;
    background: var(--_accent);
    border-color: var(--_accent);
  }
  .spinner {
    display: inline-block;
    width: 0.9em;
    height: 0.9em;
    margin-inline-end: 6px;
    vertical-align: -0.1em;
    border: 2px solid currentColor;
    border-right-color: transparent;
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  .message {
    padding: 8px 12px;
    border-inline-start: 3px solid currentColor;
    border-radius: 4px;
    background: color-mix(in srgb, currentColor 8%, transparent);
  }
  .message:empty {
    /* Present for screen readers while empty, so that its first outcome is read; taking no room. */
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    padding: 0;
    border: 0;
  }
  [part~='message-success'] {
    color: var(--_success);
  }
  [part~='message-error'] {
    color: var(--_error);
  }
  [part~='message-warning'] {
    color: var(--_warning);
  }
  .privacy {
    margin: 0;
  }
  .privacy a {
    color: var(--_accent);
  }
  /* A phone's narrowest screens: less room around the fields, so that a number in large text still fits in its field. */
  @media (max-width: 360px) {
    form {
      padding: var(--cv-padding, 12px);
    }
    input {
      padding-inline: 8px;
    }
  }
  @media (forced-colors: active) {
    /* The system colours replace the error colour and drop the inset bar: a double border marks the field. */
    input[aria-invalid='true'] {
      border: 3px double;
      padding: 6px 8px;
    }
    /* The system colours drop the faded ones: a button that cannot be used says so in the system's own grey. */
    button[aria-disabled='true']:not([aria-busy='true']) {
      color: GrayText;
      border-color: GrayText;
    }
    /* A border of one system colour all round would show a still ring. */
    .spinner {
      forced-color-adjust: none;
      border-color: ButtonText;
      border-right-color: transparent;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    button {
      transition: none;
    }
    .spinner {
      animation: none;
      border-right-color: currentColor;
      opacity: 0.6;
    }
  }
`;
