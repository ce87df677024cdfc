/**
 * The console's markup: Hono's `html` helper, which escapes every interpolated value (text and
 * attributes alike) and nests its own results unescaped. Not JSX: Node runs this app's `.ts`
 * files as they are, by stripping types, and it refuses `.tsx`; JSX would need a build step.
 */
import { html, raw } from "hono/html"
import type { HtmlEscapedString } from "hono/utils/html"

export type Markup = HtmlEscapedString

/** `html`, typed as the synchronous string it is when nothing interpolated is a Promise. */
export const h = (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Markup =>
  html(strings, ...values) as Markup

export const nothing: Markup = raw("")

export interface Layout {
  readonly title: string
  /** The navigation entry to mark current. */
  readonly section: "overview" | "mints" | "reconciliation" | "trees" | "sign-in"
  /** Who is signed in, with the sign-out form's CSRF token; absent on the sign-in page. */
  readonly signedIn?: { readonly subject: string; readonly csrf: string } | undefined
  /** Refreshed in place every few seconds where JavaScript runs. */
  readonly live?: boolean
  /** A message after an action (Post/Redirect/Get). */
  readonly notice?: { readonly kind: "ok" | "error"; readonly text: string } | undefined
}

const nav: ReadonlyArray<readonly [Layout["section"], string, string]> = [
  ["overview", "/console", "Overview"],
  ["mints", "/console/mints", "Mints"],
  ["reconciliation", "/console/reconciliation", "Reconciliation"],
  ["trees", "/console/trees", "Trees and collections"]
]

export const page = (layout: Layout, body: Markup): Markup => h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${layout.title} · TicketToken minting console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand">TicketToken minting console</p>
${
  layout.signedIn === undefined
    ? nothing
    : h`<nav aria-label="Console">
<ul>${nav.map(
        ([section, href, label]) =>
          h`<li><a href="${href}"${section === layout.section ? raw(' aria-current="page"') : nothing}>${label}</a></li>`
      )}</ul>
</nav>
<form class="signout" method="post" action="/console/sign-out">
<span>Signed in as <strong>${layout.signedIn.subject}</strong></span>
<input type="hidden" name="csrf" value="${layout.signedIn.csrf}">
<button type="submit">Sign out</button>
</form>`
}
</header>
<main id="main"${layout.live === true ? raw(' data-live="5000"') : nothing}>
<h1>${layout.title}</h1>
${
  layout.notice === undefined
    ? nothing
    : h`<p class="notice ${layout.notice.kind}" role="${layout.notice.kind === "error" ? "alert" : "status"}">${layout.notice.text}</p>`
}
${body}
${layout.live === true ? h`<p class="updated">Shown at <time data-updated>${new Date().toISOString()}</time>; refreshed every 5 s while this tab is visible (with JavaScript).</p>` : nothing}
</main>
</body>
</html>`

/** A number with thousands separators, the same on every machine. */
export const num = (n: number) => n.toLocaleString("en-US")

export const when = (iso: string | null) =>
  iso === null
    ? h`<span class="muted">—</span>`
    : h`<time datetime="${iso}">${iso.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>`

export const ms = (value: number) =>
  value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`

/** A long base58 value, shortened for reading and whole for copying and screen readers. */
export const short = (value: string | null) =>
  value === null
    ? h`<span class="muted">—</span>`
    : value.length <= 16
      ? h`<code>${value}</code>`
      : h`<code title="${value}" aria-label="${value}">${value.slice(0, 6)}…${value.slice(-6)}</code>`

export const badge = (status: string) =>
  h`<span class="badge s-${status}">${status.replaceAll("_", " ")}</span>`

export const csrfField = (token: string) => h`<input type="hidden" name="csrf" value="${token}">`
