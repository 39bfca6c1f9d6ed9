import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from './i18n/i18n';
import { getBastion } from './ipc/bastion';
import { bootstrap } from './state/bootstrap';
import { App } from './ui/App';
import './ui/app.css';

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('#root missing from index.html');
// Synchronous (inline resources): every string is ready before the first render.
initI18n();
bootstrap(getBastion());
createRoot(rootEl).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
