/**
 * Runs a route's Effect on the app's runtime and turns its outcome into a response: a reply
 * on success, the one HttpErrors mapping on failure. Each request carries an id, echoed in
 * `x-request-id` and in every log line its Effect writes.
 */

import { Cause, Effect, Exit } from "effect"
import type { Context } from "hono"
import type { AppRuntime, AppServices } from "./AppServices.ts"
import { type AuthConfig, admin, hmac, type IncomingRequest, operator } from "./Auth.ts"
import { unstorableText } from "./Body.ts"
import { fromCause, HttpFailure, httpError, type RouteError } from "./HttpErrors.ts"

export type Reply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType: string }

export type Access = "public" | "internal" | "operator" | "admin"

export type Route = (request: IncomingRequest, c: Context) => Effect.Effect<Reply, RouteError, AppServices>

export interface HandlerContext {
  readonly runtime: AppRuntime
  readonly auth: AuthConfig
}

const readBody = async (c: Context): Promise<Uint8Array> =>
  c.req.method === "GET" || c.req.method === "HEAD"
    ? new Uint8Array()
    : new Uint8Array(await c.req.arrayBuffer())

/**
 * The request target (path and query) exactly as the client sent it on the wire. The URL the
 * router sees has been normalised (`'` percent-encoded, `/x/../` resolved), so a signature over
 * it would not be over what was sent. Under @hono/node-server the raw target is the incoming
 * message's `url`; app.request() in tests may pass one the same way.
 */
export const requestTarget = (c: Context): string => {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming
  if (typeof incoming?.url === "string") return incoming.url
  const url = new URL(c.req.url)
  return url.pathname + url.search
}

/**
 * Path and query parameters the database could not store (NUL, unpaired surrogates): refused
 * here, once for every route, naming the parameter.
 */
const checkParameters = (c: Context): HttpFailure | null => {
  const params = c.req.param() as Record<string, string>
  for (const [name, value] of Object.entries(params)) {
    if (!unstorableText(value)) continue
    return new HttpFailure(
      httpError(400, "validation_failed", `path parameter ${name} contains NUL or an unpaired surrogate`, {
        field: name
      })
    )
  }
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (!unstorableText(name) && !values.some(unstorableText)) continue
    return new HttpFailure(
      httpError(400, "validation_failed", "a query parameter contains NUL or an unpaired surrogate", {
        field: unstorableText(name) ? "query" : name
      })
    )
  }
  return null
}

/** The first line of a defect's message: enough to find it, without a stack per request. */
const brief = (cause: Cause.Cause<unknown>): string => {
  const reason = cause.reasons[0]
  const value = reason === undefined ? cause : Cause.isDieReason(reason) ? reason.defect : reason
  const text = value instanceof Error ? `${value.name}: ${value.message}` : String(value)
  return (text.split("\n")[0] ?? "").slice(0, 300)
}

export const handler =
  (ctx: HandlerContext, access: Access, route: Route) =>
  async (c: Context): Promise<Response> => {
    const requestId = c.get("requestId") as string | undefined
    const request: IncomingRequest = {
      method: c.req.method,
      path: requestTarget(c),
      body: await readBody(c),
      header: (name) => c.req.header(name)
    }
    const checked = Effect.suspend(() => {
      const refused = checkParameters(c)
      return refused === null ? route(request, c) : Effect.fail(refused)
    })
    const guarded =
      access === "public"
        ? checked
        : Effect.andThen(
            access === "internal"
              ? hmac(ctx.auth, request)
              : access === "admin"
                ? admin(ctx.auth, request)
                : operator(ctx.auth, request),
            checked
          )
    const signal = c.req.raw.signal
    const exit = await ctx.runtime.runPromiseExit(guarded.pipe(Effect.annotateLogs({ requestId })), {
      signal
    })
    if (Exit.isSuccess(exit)) {
      const reply = exit.value
      return "json" in reply
        ? c.json(reply.json as object, reply.status as 200)
        : c.body(reply.text, reply.status as 200, { "content-type": reply.contentType })
    }
    // The client went away and its request was interrupted: nothing failed on our side, and
    // nobody is left to read an answer.
    if (signal.aborted && Cause.hasInterruptsOnly(exit.cause)) {
      await ctx.runtime.runPromise(
        Effect.logDebug("client disconnected", { path: c.req.path }).pipe(Effect.annotateLogs({ requestId }))
      )
      return c.body(null, 499 as 200)
    }
    const error = fromCause(exit.cause)
    if (error.status >= 500 && error.body.error.code === "internal_error") {
      // One short line per defect, with the request id to find it by; never the whole cause.
      await ctx.runtime.runPromise(
        Effect.logError("request failed", { path: c.req.path, defect: brief(exit.cause) }).pipe(
          Effect.annotateLogs({ requestId })
        )
      )
    }
    return c.json(error.body, error.status)
  }
