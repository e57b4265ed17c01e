// Shopkeep embed loader: `<script async src="https://<gateway>/embed.js" data-tenant="acme">`.
//
// Draws the launcher at once (colours from the cached config when there is one) and loads the
// WebAssembly widget only when the shopper shows interest: warm-up on pointerenter/focus, mount on
// click. A click before the widget is there draws an empty panel-shaped shell at once, which the
// widget's panel replaces in the same task. Never throws on the host page; a failed load leaves
// a launcher that retries.
// The build replaces __SHOPKEEP_WIDGET_VERSION__ with the versioned asset directory and minifies.
(() => {
  try {
    const d = document;
    const s = d.currentScript;
    const win = window;
    const tenant = s && s.dataset.tenant;
    if (!tenant || d.getElementById("shopkeep-host")) return;
    const gateway = s.dataset.gateway || new URL(s.src).origin;
    const base = gateway + "/widget/__SHOPKEEP_WIDGET_VERSION__/";
    const key = "shopkeep:v1:" + tenant + ":";
    // The widget comes in two builds (widget/README.md "Two modules"): `shopkeep_widget` for every
    // chat, `shopkeep_widget_p` with the person module (handoff, live socket, forms), loaded at
    // once when this browser's conversation involves a person. Otherwise the first one swaps
    // the second in when it needs it and hands it over through `upgrade`.
    let cfg = {},
      p = "";
    try {
      if (localStorage.getItem(key + "live")) p = "_p";
      cfg = JSON.parse(localStorage.getItem(key + "config")).config || {};
    } catch (e) {}
    const theme = cfg.theme || {};
    // Cached values are page-writable: only plain hex colours are used.
    const hex = (v) => /^#[\da-f]{3,8}$/i.test(v) && v;

    const host = d.createElement("div");
    host.id = "shopkeep-host";
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    // The host takes no space: everything inside is position:fixed.
    sheet.replaceSync(
      ":host{all:initial;position:fixed;width:0;height:0;bottom:0;right:0;z-index:2147483647}" +
        "[data-sk=launcher]{position:fixed;bottom:20px;right:20px;width:56px;height:56px;padding:0;border:0;border-radius:50%;" +
        "background-color:#1f6feb;color:#fff;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
        // The shell has the panel's box (widget/src/style.rs) and its header's colour; before
        // [data-side=left], which must win over its `right`.
        "[data-sk=shell]{position:fixed;bottom:88px;right:20px;width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 120px));" +
        "box-sizing:border-box;border-top:56px solid #1f6feb;border-radius:12px;background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.22)}" +
        "@media (max-width:640px){[data-sk=shell]{top:0;left:0;width:100%;height:100dvh;border-radius:0}}" +
        "[data-side=left]{right:auto;left:20px}[data-sk=launcher]:focus-visible{outline:3px solid #0b5cd5;outline-offset:2px}" +
        "svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}" +
        "[data-state=loading] svg{opacity:.6}[data-state=error]{background-color:#b42318}"
    );
    root.adoptedStyleSheets = [sheet];

    const b = d.createElement("button");
    const attr = (k, v) => b.setAttribute(k, v);
    attr("data-sk", "launcher");
    attr("type", "button");
    attr("aria-label", "Open chat");
    attr("aria-expanded", "false");
    if (theme.launcher_position == "left") attr("data-side", "left");
    if (hex(theme.primary_color)) b.style.backgroundColor = theme.primary_color;
    const ns = "http://www.w3.org/2000/svg";
    const svg = d.createElementNS(ns, "svg");
    const path = d.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute(
      "d",
      {
        help: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17h.01",
        bag: "M6 7h12l1 14H5L6 7zm3 0V6a3 3 0 0 1 6 0v1",
      }[theme.launcher_icon] || "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"
    );
    svg.append(path);
    b.append(svg);
    root.append(b);

    let loading, widget, dead, shell;
    // Host-page listeners: `Shopkeep('on', 'opened' | 'closed' | 'message_sent' |
    // 'message_received' | 'unread_changed', callback)`; their exceptions stay theirs.
    const ls = {};
    const emit = (n, detail) =>
      (ls[n] || []).forEach((f) => {
        try {
          f(detail);
        } catch (e) {}
      });
    // The wasm is fetched alongside the module, not after it.
    const load = () => {
      if (!loading) {
        const f = base + "shopkeep_widget" + p;
        const wasm = fetch(f + "_bg.wasm");
        wasm.catch(() => {});
        loading = import(f + ".js")
          .then((m) => m.default({ module_or_path: wasm }).then(() => m))
          .catch((e) => {
            loading = 0;
            throw e;
          });
      }
      return loading;
    };
    const unshell = () => shell && (shell.remove(), (shell = 0));
    // Commands wait here until the widget exists (open/toggle also load it).
    let queue = [];
    const run = () => {
      attr("data-state", "loading");
      if (!shell) {
        shell = d.createElement("div");
        shell.setAttribute("data-sk", "shell");
        shell.setAttribute("aria-hidden", "true");
        if (theme.launcher_position == "left") shell.setAttribute("data-side", "left");
        if (hex(theme.primary_color)) shell.style.borderTopColor = theme.primary_color;
        if (hex(theme.background_color)) shell.style.backgroundColor = theme.background_color;
        root.append(shell);
      }
      load()
        .then((m) => {
          if (dead) return;
          widget ||= m.mount(root, { tenant, gateway, launcher: b, emit, assets: base, upgrade: (w) => (widget = w) });
          b.removeAttribute("data-state");
          while (queue.length) call(...queue.shift());
          unshell();
        })
        .catch(() => (attr("data-state", "error"), unshell()));
    };
    // open, close, toggle, is_open, identify(token), update(attrs), reset, on(event, cb), destroy.
    const call = (cmd, arg, cb) => {
      if (dead) return;
      if (cmd == "on") return (ls[arg] ||= []).push(cb), undefined;
      if (cmd == "destroy") {
        dead = 1;
        widget && widget.destroy();
        return host.remove();
      }
      if (widget) return /^(open|close|toggle|is_open|identify|update|reset)$/.test(cmd) ? widget[cmd](arg) : undefined;
      if (cmd == "reset") {
        // Logging out before the widget loaded: forget stored sessions and queued identities.
        queue = queue.filter((c) => c[0] != "identify");
        try {
          for (const k of Object.keys(localStorage)) if (k.startsWith(key) && k.endsWith("session")) localStorage.removeItem(k);
        } catch (e) {}
        return;
      }
      queue.push([cmd, arg, cb]);
      if (/^(open|toggle)$/.test(cmd)) run();
    };
    // A stub may have collected calls before this script ran:
    // window.Shopkeep = window.Shopkeep || function () { (Shopkeep.q = Shopkeep.q || []).push(arguments) }
    const early = (win.Shopkeep && win.Shopkeep.q) || [];
    win.Shopkeep = call;
    for (const a of early) call(...a);
    const warm = () => load().catch(() => {});
    b.onpointerenter = warm;
    b.onfocus = warm;
    // Before the widget exists a click means "open" (repeated clicks while loading stay open).
    b.onclick = () => call(widget ? "toggle" : "open");
    const add = () => d.body.append(host);
    d.body ? add() : d.addEventListener("DOMContentLoaded", add);

    // Auto-open (tenant setting, from the cached config) once per browser session.
    const auto = cfg.auto_open || {};
    if (auto.mode == "after_delay" && !sessionStorage.getItem(key + "auto")) {
      setTimeout(() => {
        try {
          sessionStorage.setItem(key + "auto", 1);
        } catch (e) {}
        if (!widget || !widget.is_open()) call("open");
      }, auto.delay_ms);
    }

  } catch (e) {}
})();
