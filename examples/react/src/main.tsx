// Mounts the React example.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignupForm } from './SignupForm.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignupForm />
  </StrictMode>,
);
