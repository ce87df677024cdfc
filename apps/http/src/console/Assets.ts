/**
 * The console's only two files, served by the app itself (no CDN, no build): a stylesheet and a
 * small script that refreshes live pages in place. Pages work without the script.
 */

export const css = `
:root { --fg: #1a1a1a; --muted: #555; --line: #d0d4da; --bg: #fff; --panel: #f5f7fa; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #0f172a; color: #f8fafc; }
.top a { color: #e2e8f0; }
.top a[aria-current="page"] { color: #fff; font-weight: 700; text-decoration-thickness: 3px; }
.brand { margin: 0; font-weight: 700; }
.top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
.signout { margin-left: auto; display: flex; gap: .6rem; align-items: center; }
main { padding: 1rem 1.2rem 2rem; max-width: 1200px; }
h1 { font-size: 1.5rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; background: var(--panel); }
.card h2 { margin-top: 0; font-size: 1rem; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .9em; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .85em; font-weight: 600; background: #e5e7eb; color: #111827; }
.s-completed, .s-ok, .s-resolved, .s-active, .s-running, .s-landed { background: #dcfce7; color: #14532d; }
.s-failed, .s-error, .s-stalled, .s-open, .s-full { background: #fee2e2; color: #7f1d1d; }
.s-pending, .s-standby, .s-off, .s-sent { background: #e0e7ff; color: #1e3a8a; }
.s-minting, .s-degraded, .s-expired { background: #fef3c7; color: #78350f; }
.s-missing_on_chain, .s-lost { background: #fce7f3; color: #831843; }
.notice { padding: .6rem .8rem; border-radius: 6px; border: 1px solid; }
.notice.ok { background: #f0fdf4; border-color: #166534; color: #14532d; }
.notice.error { background: #fef2f2; border-color: #991b1b; color: #7f1d1d; }
form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: flex-end; margin-bottom: 1rem; }
form.filters label, form.stack label { display: flex; flex-direction: column; font-size: .9rem; gap: .15rem; }
form.stack { display: flex; flex-direction: column; gap: .8rem; max-width: 32rem; }
input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid #6b7280; border-radius: 4px; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.danger { background: #b91c1c; border-color: #b91c1c; }
a.button { display: inline-block; padding: .35rem .7rem; border-radius: 4px; background: #b91c1c; color: #fff; text-decoration: none; font-weight: 600; }
a.button:focus, a.button:hover { outline: 3px solid #fca5a5; }
.top button { background: #334155; border-color: #94a3b8; }
form.inline { display: inline; }
.chart { margin: 0 0 1rem; }
.chart svg { width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
.chart .bar { fill: #2563eb; }
.chart .axis { stroke: #9ca3af; }
.chart text { fill: #374151; font-size: 10px; }
meter { width: 8rem; }
.pager { display: flex; gap: 1rem; }
.updated { color: var(--muted); font-size: .85rem; margin-top: 2rem; }
ol.timeline { padding-left: 1.2rem; }
ol.timeline li { margin-bottom: .5rem; }
`

export const js = `
(() => {
  "use strict";
  const main = document.querySelector("main[data-live]");
  if (!main) return;
  const every = Number(main.getAttribute("data-live")) || 5000;
  const refresh = async () => {
    const focused = document.activeElement;
    // Never swap the page under an operator who is typing or about to press a button in it.
    if (document.visibilityState !== "visible" || (focused && focused !== document.body && main.contains(focused))) return;
    const res = await fetch(location.href, { headers: { "x-console-live": "1" }, credentials: "same-origin", redirect: "manual" });
    if (res.type === "opaqueredirect" || res.status === 401) { location.reload(); return; }
    if (!res.ok) return;
    const next = new DOMParser().parseFromString(await res.text(), "text/html").querySelector("main[data-live]");
    if (!next) return;
    main.replaceChildren(...Array.from(next.childNodes, (node) => document.importNode(node, true)));
    main.setAttribute("data-refreshed", String(Date.now()));
  };
  const loop = () => { refresh().catch(() => {}).finally(() => setTimeout(loop, every)); };
  setTimeout(loop, every);
})();
`
