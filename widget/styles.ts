// The widget's look: every colour and size is a documented custom property, so a site can match its design.
import { css } from 'lit';

export const styles = css`
  :host {
    --cv-font: system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif;
    --cv-font-size: 15px;
    --cv-radius: 8px;
    --cv-gap: 12px;
    --cv-bg: #ffffff;
    --cv-fg: #1f2328;
    --cv-muted: #59636e;
    --cv-border: #c8ced6;
    --cv-field-bg: #ffffff;
    --cv-accent: #0b63ce;
    --cv-accent-fg: #ffffff;
    --cv-focus: #0b63ce;
    --cv-error: #c62828;
    --cv-success: #1b7f3b;
    --cv-warning: #9a6700;
    display: block;
    max-width: 26rem;
    font-family: var(--cv-font);
    font-size: var(--cv-font-size);
    color: var(--cv-fg);
  }
  :host([hidden]) {
    display: none;
  }
  :host([theme='dark']) {
    --cv-bg: #161b22;
    --cv-fg: #e6edf3;
    --cv-muted: #9198a1;
    --cv-border: #3d444d;
    --cv-field-bg: #0d1117;
    --cv-accent: #4493f8;
    --cv-accent-fg: #0d1117;
    --cv-focus: #4493f8;
    --cv-error: #ff7b72;
    --cv-success: #3fb950;
    --cv-warning: #d29922;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      --cv-bg: #161b22;
      --cv-fg: #e6edf3;
      --cv-muted: #9198a1;
      --cv-border: #3d444d;
      --cv-field-bg: #0d1117;
      --cv-accent: #4493f8;
      --cv-accent-fg: #0d1117;
      --cv-focus: #4493f8;
      --cv-error: #ff7b72;
      --cv-success: #3fb950;
      --cv-warning: #d29922;
    }
  }
  form {
    display: grid;
    gap: var(--cv-gap);
    padding: var(--cv-gap);
    background: var(--cv-bg);
    border: 1px solid var(--cv-border);
    border-radius: var(--cv-radius);
  }
  .field {
    display: grid;
    gap: 4px;
  }
  label {
    font-weight: 600;
  }
  input {
    font: inherit;
    color: var(--cv-fg);
    background: var(--cv-field-bg);
    border: 1px solid var(--cv-border);
    border-radius: calc(var(--cv-radius) - 2px);
    padding: 8px 10px;
    min-width: 0;
  }
  input[readonly] {
    color: var(--cv-muted);
  }
  input[aria-invalid='true'] {
    border-color: var(--cv-error);
  }
  input:focus-visible,
  button:focus-visible {
    outline: 2px solid var(--cv-focus);
    outline-offset: 2px;
  }
  .hint,
  .privacy {
    color: var(--cv-muted);
    font-size: 0.85em;
    min-height: 1.2em;
  }
  .error {
    color: var(--cv-error);
    font-size: 0.85em;
  }
  .error:empty {
    display: none;
  }
  .actions {
    display: flex;
    gap: 8px;
    align-items: center;
  }
  button {
    font: inherit;
    font-weight: 600;
    border-radius: calc(var(--cv-radius) - 2px);
    padding: 8px 16px;
    cursor: pointer;
    border: 1px solid var(--cv-accent);
    background: var(--cv-accent);
    color: var(--cv-accent-fg);
  }
  button.secondary {
    background: transparent;
    color: var(--cv-accent);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  button[aria-busy='true'] {
    cursor: progress;
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
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
      border-right-color: currentColor;
      opacity: 0.6;
    }
  }
  .message {
    font-size: 0.95em;
  }
  .message:empty {
    display: none;
  }
  .message[data-tone='success'] {
    color: var(--cv-success);
  }
  .message[data-tone='error'] {
    color: var(--cv-error);
  }
  .message[data-tone='warning'] {
    color: var(--cv-warning);
  }
  .privacy {
    margin: 0;
  }
  .privacy a {
    color: var(--cv-accent);
  }
`;
