// Botpress Webchat is a React component library: this is the smallest page-level embed its
// README shows (a <Webchat> and a <Fab> that toggles it), bundled by `cargo xtask bench` with
// React into one module the benchmark host page imports. clientId is a dummy: the launcher
// must render; the chat backend (Botpress cloud) is never reached.
import { createElement as h, Fragment, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Fab, Webchat } from '@botpress/webchat';

function App({ clientId }) {
  const [open, setOpen] = useState(false);
  return h(Fragment, null,
    h(Webchat, { clientId, style: { width: '400px', height: '600px', display: open ? 'flex' : 'none', position: 'fixed', bottom: '90px', right: '20px' } }),
    h(Fab, { onClick: () => setOpen(!open), style: { position: 'fixed', bottom: '20px', right: '20px', width: '64px', height: '64px' } }));
}

export function init({ clientId }) {
  const host = document.createElement('div');
  document.body.append(host);
  createRoot(host).render(h(App, { clientId }));
}
