//! The panel's stylesheet, adopted as a constructable stylesheet (works under
//! `style-src 'self'`: no `<style>` element, no style attributes).
//!
//! Colours, font and radius come only from the custom properties set by
//! [`shopkeep_widget_core::theme::css_vars`]; dark mode overrides the surface colours.

/// The CSS text.
pub(crate) const CSS: &str = r#"
[data-sk=panel]{--sk-surface:color-mix(in srgb,var(--sk-fg) 6%,var(--sk-bg));position:fixed;bottom:88px;right:20px;z-index:2147483647;display:flex;flex-direction:column;width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 120px));background:var(--sk-bg);color:var(--sk-fg);font:15px/1.45 var(--sk-font);border-radius:var(--sk-radius);box-shadow:0 12px 40px rgba(0,0,0,.22);overflow:hidden;box-sizing:border-box}
[data-sk=panel][data-side=left]{right:auto;left:20px}
[data-sk=panel][hidden]{display:none}
[data-sk=panel][data-scheme=dark]{--sk-bg:#16191d;--sk-fg:#e6edf3}
@media (prefers-color-scheme:dark){[data-sk=panel][data-scheme=auto]{--sk-bg:#16191d;--sk-fg:#e6edf3}}
[data-sk=panel] *{box-sizing:border-box;font:inherit;color:inherit}
.h{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:var(--sk-primary);color:#fff}
.h *{color:#fff}
[data-sk=title]{flex:1;margin:0;font-weight:600;font-size:16px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
button{cursor:pointer;border:0;background:none;border-radius:8px}
button:focus-visible,textarea:focus-visible{outline:2px solid var(--sk-accent);outline-offset:2px}
[data-sk=close]{display:grid;place-items:center;width:32px;height:32px}
[data-sk=close] svg{width:18px;height:18px;stroke:currentColor;stroke-width:2.5}
[data-sk=messages]{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:10px;overscroll-behavior:contain}
.m{max-width:85%;padding:8px 12px;border-radius:calc(var(--sk-radius) - 2px);background:var(--sk-surface);overflow-wrap:anywhere;align-self:flex-start}
.m[data-role=user]{align-self:flex-end;background:var(--sk-primary);color:#fff;white-space:pre-wrap}
.m[data-role=user] *{color:#fff}
.m[data-status=error]{opacity:.7;outline:1px dashed currentColor}
.m p,.m ul,.m ol,.m pre{margin:0 0 .5em}.m>:last-child{margin-bottom:0}
.m ul,.m ol{padding-inline-start:1.3em}
.m code{font-family:ui-monospace,monospace;font-size:.9em;background:color-mix(in srgb,var(--sk-fg) 10%,transparent);padding:0 .25em;border-radius:4px}
.m pre{overflow-x:auto;padding:8px;background:color-mix(in srgb,var(--sk-fg) 10%,transparent);border-radius:6px}.m pre code{background:none;padding:0}
.m a{color:var(--sk-accent);text-decoration:underline}
.m[data-note]::after{content:attr(data-note);display:block;font-size:12px;opacity:.7;margin-top:4px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[data-sk=typing]{align-self:flex-start;display:flex;gap:4px;padding:12px;margin:0 16px 8px;border-radius:12px;background:var(--sk-surface)}
[data-sk=panel] [hidden]{display:none}
[data-sk=typing] i{width:6px;height:6px;border-radius:50%;background:currentColor;opacity:.5;animation:b 1s infinite}
[data-sk=typing] i:nth-child(2){animation-delay:.15s}[data-sk=typing] i:nth-child(3){animation-delay:.3s}
@keyframes b{50%{opacity:1;transform:translateY(-3px)}}
.s{display:flex;flex-wrap:wrap;gap:6px;padding:0 16px 8px}
[data-sk=suggestion]{padding:6px 10px;border:1px solid var(--sk-primary);color:var(--sk-primary);border-radius:999px;font-size:14px;text-align:start}
.e{display:flex;align-items:center;gap:8px;margin:0 16px 8px;padding:8px 10px;border-radius:8px;background:color-mix(in srgb,#d1242f 12%,var(--sk-bg));font-size:14px}
[data-sk=error]{flex:1}
[data-sk=retry]{padding:4px 10px;background:var(--sk-primary);color:#fff;font-weight:600}
.c{display:flex;gap:8px;align-items:flex-end;padding:10px 12px calc(10px + env(safe-area-inset-bottom));border-top:1px solid var(--sk-surface)}
[data-sk=input]{flex:1;resize:none;max-height:120px;min-height:40px;padding:9px 12px;border:1px solid color-mix(in srgb,var(--sk-fg) 25%,transparent);border-radius:10px;background:var(--sk-bg);font-size:16px}
[data-sk=send],[data-sk=stop]{height:40px;padding:0 14px;background:var(--sk-primary);color:#fff;font-weight:600}
[data-sk=avatar]{order:-1;width:28px;height:28px;border-radius:50%;object-fit:cover}
.h{padding-top:max(12px,env(safe-area-inset-top))}
.k{order:1;margin:0 16px 8px;padding:10px 12px;border-radius:8px;background:var(--sk-surface);font-size:14px;display:flex;flex-wrap:wrap;gap:8px}
.k p{margin:0;flex-basis:100%}
.k button{padding:6px 12px;font-weight:600}
[data-sk=consent-accept]{background:var(--sk-primary);color:#fff}
[data-sk=consent-decline]{border:1px solid currentColor}
.c{order:2}
[disabled]{opacity:.5;cursor:not-allowed}
.f{display:flex;gap:2px;margin-top:4px}
.f button{display:grid;place-items:center;width:28px;height:28px;opacity:.6}
.f button[aria-pressed=true],.f button:hover{opacity:1;color:var(--sk-accent)}
.f svg{width:16px;height:16px;fill:none;stroke:currentColor;stroke-width:2;stroke-linejoin:round}
.f [aria-pressed=true] svg{fill:currentColor}
[data-sk=thumb-down] svg{transform:rotate(180deg)}
[data-sk=launcher][data-unread]::after{content:attr(data-unread);position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d1242f;color:#fff;font:700 12px/20px system-ui,sans-serif;box-sizing:border-box}
.m:has(.pc){width:100%;max-width:100%}
.b{margin-top:6px}
.src{display:flex;flex-wrap:wrap;gap:2px 10px;font-size:13px;opacity:.85}
.src>span:first-child{font-weight:600}
.pc{position:relative}
.tr{display:flex;gap:8px;overflow-x:auto;scroll-snap-type:x mandatory;overscroll-behavior-inline:contain;padding:2px}
[data-sk=card]{flex:0 0 min(230px,80%);scroll-snap-align:start;display:flex;flex-direction:column;gap:4px;padding:8px;border-radius:10px;background:var(--sk-bg);border:1px solid color-mix(in srgb,var(--sk-fg) 15%,transparent)}
[data-sk=card] p{margin:0}
[data-sk=card] img{width:100%;aspect-ratio:4/3;object-fit:cover;border-radius:6px}
.t{font-weight:600}
[data-sk=compare-at]{margin-inline-start:6px;opacity:.7}
[data-available=false],[data-ok=false]{color:#d1242f}
.o{display:flex;flex-wrap:wrap;gap:4px}
[data-sk=chip]{padding:2px 8px;border:1px solid color-mix(in srgb,var(--sk-fg) 30%,transparent);border-radius:999px;font-size:13px}
[data-sk=chip][aria-pressed=true]{border-color:var(--sk-primary);box-shadow:inset 0 0 0 1px var(--sk-primary)}
[data-sk=chip][disabled]{text-decoration:line-through}
.a{display:flex;gap:8px;align-items:center;margin-top:auto}
[data-sk=add-to-cart]{flex:1;padding:6px 8px;background:var(--sk-primary);color:#fff;font-weight:600}
.pc>button{position:absolute;z-index:1;top:35%;inset-inline-start:-4px;width:30px;height:30px;border-radius:50%;background:var(--sk-bg);box-shadow:0 1px 4px rgba(0,0,0,.3);font-size:20px;line-height:1}
.pc>[data-sk=next]{inset-inline-start:auto;inset-inline-end:-4px}
[dir=rtl] .pc>button{transform:scaleX(-1)}
a:focus-visible,[data-sk=card]:focus-visible{outline:2px solid var(--sk-accent);outline-offset:2px}
[data-sk=handoff]{padding:4px 8px;font-size:13px;border:1px solid}
.m[data-role=system]{align-self:center;background:none;font-size:13px;opacity:.8;text-align:center}
.m[data-role=staff]{white-space:pre-wrap}
.fm{order:1;margin:0 16px 8px;display:flex;flex-wrap:wrap;gap:6px;font-size:14px}
.fm p{margin:0;flex-basis:100%}
.fm input,.fm textarea{flex:1 1 100%;padding:6px}
.fm button{padding:4px 10px;border:1px solid}
[data-sk=order]{display:flex;flex-direction:column;gap:2px}
[data-sk=order-status]{font-weight:600}
@media (max-width:640px){[data-sk=panel],[data-sk=panel][data-side=left]{top:var(--sk-vt,0);left:0;right:0;bottom:auto;width:100%;height:var(--sk-vh,100dvh);max-height:none;border-radius:0;padding-left:env(safe-area-inset-left);padding-right:env(safe-area-inset-right)}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
"#;
