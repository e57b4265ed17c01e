// The console's side of the live preview: sends the unsaved public config to preview.html (an
// iframe on this origin that mounts the real widget) whenever the form changes.

/** The widget's PublicConfig (docs/API.md) for a whole tenant config. */
export function publicConfig(config, version) {
  const pub = config.public || {};
  const privacy = config.privacy || {};
  return {
    tenant_id: config.tenant_id,
    version: version || 0,
    theme: structuredClone(pub.theme || {}),
    texts: structuredClone(pub.texts || {}),
    suggested_questions: (pub.suggested_questions || []).filter((q) => q.trim() !== ''),
    // The preview never opens by itself: the panel is shown open anyway.
    auto_open: { mode: 'off' },
    privacy: {
      consent_required: Boolean(privacy.consent_required),
      stores_transcripts: privacy.store_transcripts !== false,
    },
  };
}

export class Preview {
  /**
   * @param {HTMLIFrameElement} iframe
   * @param {() => ({tenant: string, config: object} | null)} current
   */
  constructor(iframe, current) {
    this.iframe = iframe;
    this.current = current;
    this.ready = false;
    this.timer = 0;
    this.note = document.getElementById('preview-note');
    window.addEventListener('message', (event) => {
      if (event.origin !== location.origin || event.source !== iframe.contentWindow) return;
      const data = event.data || {};
      if (data.type === 'shopkeep-preview-ready') {
        this.ready = true;
        this.send();
      } else if (data.type === 'shopkeep-preview-status') {
        this.showStatus(data);
      }
    });
    // The iframe may have loaded before this listener existed: ask it to say hello again.
    const hello = () => {
      if (iframe.contentWindow) iframe.contentWindow.postMessage({ type: 'shopkeep-preview-hello' }, location.origin);
    };
    iframe.addEventListener('load', hello);
    hello();
  }

  showStatus({ mode, message }) {
    this.iframe.dataset.previewMode = mode || '';
    if (mode === 'error') {
      this.note.textContent = `The preview could not load the widget: ${message || 'unknown error'}.`;
    } else if (mode === 'fallback') {
      this.note.textContent = 'The real widget with your unsaved settings (this widget version is re-mounted on each change). '
        + 'Chatting here uses your live assistant.';
    } else {
      this.note.textContent = 'The real widget with your unsaved settings. Chatting here uses your live assistant.';
    }
  }

  /** Sends the current config after `delay` ms of quiet (typing in a field sends once). */
  schedule(delay = 250) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), delay);
  }

  send() {
    if (!this.ready || !this.iframe.contentWindow) return;
    const state = this.current();
    if (!state) return;
    this.iframe.contentWindow.postMessage({ type: 'shopkeep-preview-config', ...state }, location.origin);
  }

  reset() {
    clearTimeout(this.timer);
    if (this.ready && this.iframe.contentWindow) {
      this.iframe.contentWindow.postMessage({ type: 'shopkeep-preview-reset' }, location.origin);
    }
  }
}
