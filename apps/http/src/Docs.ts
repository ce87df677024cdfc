/**
 * The API reference page: Swagger UI from the swagger-ui-dist npm package, its two assets served
 * by this service, so the page loads nothing from anywhere else.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

// The package ships no types; its folder is all the page needs.
const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"))

/** The files the page needs, read once, by the names the page asks for. */
export const assets: ReadonlyMap<string, { readonly body: string; readonly contentType: string }> = new Map([
  [
    "swagger-ui.css",
    { body: readFileSync(join(dist, "swagger-ui.css"), "utf8"), contentType: "text/css; charset=utf-8" }
  ],
  [
    "swagger-ui-bundle.js",
    {
      body: readFileSync(join(dist, "swagger-ui-bundle.js"), "utf8"),
      contentType: "text/javascript; charset=utf-8"
    }
  ]
])

export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TicketToken minting API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#api", deepLinking: true });
</script>
</body>
</html>`
