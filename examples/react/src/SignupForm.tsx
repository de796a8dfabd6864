// A signup form with <carrier-verify> in React 19: properties set as props, each `cv-*` event handled by an `on<event>` prop.
import { useRef, useState } from 'react';
import 'carrier-verify/react';
import type { CarrierVerify, VerifiedDetail } from 'carrier-verify';

export function SignupForm() {
  const widget = useRef<CarrierVerify>(null);
  const [outcome, setOutcome] = useState('Not verified yet');
  const [verified, setVerified] = useState<VerifiedDetail | null>(null);

  return (
    <main>
      <h1>Sign up</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          // What the app would post to its backend: the token, and the pair it was issued for (siteverify's binding).
          const pair = widget.current?.verifiedPair;
          setOutcome(pair ? `Sending ${pair.name} ${pair.phoneNumber} with the token` : 'Not verified');
        }}
      >
        <carrier-verify
          ref={widget}
          lang="en"
          endpoint="/api/verify"
          siteKey="sandbox"
          required
          oncv-verified={(event) => {
            setVerified(event.detail);
            setOutcome(`Verified ${event.detail.phoneMasked} (${event.detail.carrier ?? 'unknown carrier'})`);
          }}
          oncv-mismatch={(event) => setOutcome(`Mismatch: ${event.detail.code}`)}
          oncv-not-found={(event) => setOutcome(`Not found: ${event.detail.code}`)}
          oncv-invalid={(event) => setOutcome(`Invalid ${event.detail.field}: ${event.detail.reason}`)}
          oncv-error={(event) => setOutcome(`Error: ${event.detail.code}`)}
          // The token went (Change pressed, expired, reset): the form can no longer be sent with it.
          oncv-cleared={(event) => {
            setVerified(null);
            setOutcome(`Not verified (${event.detail.reason})`);
          }}
        />
        <button type="submit" disabled={verified === null}>
          Create account
        </button>
      </form>
      <p role="status" data-testid="outcome">
        {outcome}
      </p>
    </main>
  );
}
