/** The HTTP API: one sub-app per resource, errors as JSON with stable codes, a request id each. */
import { randomUUID } from "node:crypto"
import { MetadataStore } from "@tickettoken/minting-core"
import { type Context, Effect, Metric, Option } from "effect"
import { Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import type { AppRuntime } from "./AppServices.ts"
import type { AuthConfig } from "./Auth.ts"
import { consoleApp } from "./console/Console.ts"
import * as Docs from "./Docs.ts"
import { HttpFailure, httpError } from "./HttpErrors.ts"
import { httpDuration, httpRequests, scrape } from "./Metrics.ts"
import * as OpenApi from "./OpenApi.ts"
import { type Implementations, mountAll } from "./Routes.ts"
import { collectionRoutes } from "./routes/collections.ts"
import { findingRoutes } from "./routes/findings.ts"
import { type HealthInfo, healthRoutes } from "./routes/health.ts"
import { mintRoutes } from "./routes/mints.ts"
import { reconciliationRoutes } from "./routes/reconciliations.ts"

export interface AppOptions {
  readonly auth: AuthConfig
  readonly health: HealthInfo
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit?: number
  /** Writes one JSON line per request; default: none. */
  readonly accessLog?: (line: Record<string, unknown>) => void
}

export const makeApp = (runtime: AppRuntime, options: AppOptions) => {
  const ctx = { runtime, auth: options.auth }
  const limit = options.bodyLimit ?? 64 * 1024
  // A batch carries up to 500 tickets of a few hundred bytes each.
  const batchLimit = Math.max(limit, 1024 * 1024)
  const openapi = JSON.stringify(OpenApi.document())

  const app = new Hono<{ Variables: { requestId: string } }>()
  let metrics: Context.Context<never> | undefined
  void runtime.context().then((context) => {
    metrics = context as Context.Context<never>
  })
  const requestCounters = new Map<string, Metric.Metric<number, unknown>>()

  app.use(async (c, next) => {
    const started = performance.now()
    const incoming = c.req.header("x-request-id")
    const requestId = incoming && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID()
    c.set("requestId", requestId)
    await next()
    c.header("x-request-id", requestId)
    const seconds = (performance.now() - started) / 1000
    const route = c.req.routePath
    // Recorded synchronously into the runtime's registry: forking a fiber per request for two
    // counter updates cost more than the updates.
    if (metrics !== undefined) {
      const key = `${c.req.method} ${route} ${c.res.status}`
      let counter = requestCounters.get(key)
      if (counter === undefined) {
        counter = Metric.withAttributes(httpRequests, {
          method: c.req.method,
          route,
          status: String(c.res.status)
        })
        requestCounters.set(key, counter)
      }
      counter.updateUnsafe(1, metrics)
      httpDuration.updateUnsafe(seconds, metrics)
    }
    options.accessLog?.({
      level: "INFO",
      message: "request",
      requestId,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      ms: Math.round(seconds * 1000 * 10) / 10
    })
  })

  const limited = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json(httpError(413, "payload_too_large", `the body exceeds ${maxSize} bytes`).body, 413)
    })
  const single = limited(limit)
  const batch = limited(batchLimit)
  app.use((c, next) => (c.req.path === "/v1/mints/batch" ? batch(c, next) : single(c, next)))

  const implementations: Implementations = {
    ...healthRoutes(options.health),
    ...mintRoutes,
    ...reconciliationRoutes,
    ...findingRoutes,
    ...collectionRoutes,
    getMetadata: ({ params }) =>
      Effect.gen(function* () {
        const store = yield* MetadataStore
        const doc = yield* store.get(params.ticketId)
        if (Option.isNone(doc)) {
          return yield* Effect.fail(
            new HttpFailure(httpError(404, "metadata_not_found", "no metadata for that ticket"))
          )
        }
        return { status: 200, json: doc.value }
      }),
    metrics: () =>
      Effect.map(scrape, (text) => ({ status: 200, text, contentType: "text/plain; version=0.0.4" })),
    openapi: () => Effect.succeed({ status: 200, text: openapi, contentType: "application/json" }),
    docs: () => Effect.succeed({ status: 200, text: Docs.page, contentType: "text/html; charset=utf-8" })
  }
  // The reference page's own files, from the swagger-ui-dist package (not API operations).
  app.get("/docs/assets/:file", (c) => {
    const asset = Docs.assets.get(c.req.param("file"))
    return asset === undefined
      ? c.json(httpError(404, "not_found", "no such asset").body, 404)
      : c.body(asset.body, 200, {
          "content-type": asset.contentType,
          "cache-control": "public, max-age=3600"
        })
  })
  mountAll(app, ctx, implementations)
  // The operator console: HTML pages over the same implementations, behind a session of its own.
  app.route("/console", consoleApp({ runtime, auth: options.auth, implementations, health: options.health }))

  app.notFound((c) =>
    c.json(
      httpError(404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).body,
      404
    )
  )
  app.onError((error, c) => {
    // One short line with the request id, as for a route's defect; never the stack.
    const defect = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split("\n")[0]
    runtime.runFork(
      Effect.logError("unhandled error", { path: c.req.path, defect: defect?.slice(0, 300) }).pipe(
        Effect.annotateLogs({ requestId: c.get("requestId") })
      )
    )
    return c.json(httpError(500, "internal_error", "internal error").body, 500)
  })
  return app
}
