/**
 * Runs a route's Effect on the app's runtime and turns its outcome into a response: a reply
 * on success, the one HttpErrors mapping on failure. Each request carries an id, echoed in
 * `x-request-id` and in every log line its Effect writes.
 */

import { Cause, Effect, Exit } from "effect"
import type { Context } from "hono"
import type { AppRuntime, AppServices } from "./AppServices.ts"
import { type AuthConfig, hmac, type IncomingRequest, operator } from "./Auth.ts"
import { fromCause } from "./HttpErrors.ts"

export type Reply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType: string }

export type Access = "public" | "internal" | "operator"

export type Route = (request: IncomingRequest, c: Context) => Effect.Effect<Reply, unknown, AppServices>

export interface HandlerContext {
  readonly runtime: AppRuntime
  readonly auth: AuthConfig
}

const readBody = async (c: Context): Promise<Uint8Array> =>
  c.req.method === "GET" || c.req.method === "HEAD"
    ? new Uint8Array()
    : new Uint8Array(await c.req.arrayBuffer())

export const handler =
  (ctx: HandlerContext, access: Access, route: Route) =>
  async (c: Context): Promise<Response> => {
    const url = new URL(c.req.url)
    const request: IncomingRequest = {
      method: c.req.method,
      path: url.pathname + url.search,
      body: await readBody(c),
      header: (name) => c.req.header(name)
    }
    const guarded =
      access === "public"
        ? route(request, c)
        : Effect.andThen(access === "internal" ? hmac(ctx.auth, request) : operator(ctx.auth, request), () =>
            route(request, c)
          )
    const exit = await ctx.runtime.runPromiseExit(
      guarded.pipe(Effect.annotateLogs({ requestId: c.get("requestId") as string | undefined })),
      { signal: c.req.raw.signal }
    )
    if (Exit.isSuccess(exit)) {
      const reply = exit.value
      return "json" in reply
        ? c.json(reply.json as object, reply.status as 200)
        : c.body(reply.text, reply.status as 200, { "content-type": reply.contentType })
    }
    const error = fromCause(exit.cause)
    if (error.status >= 500 && error.body.error.code === "internal_error") {
      await ctx.runtime.runPromise(
        Effect.logError("request failed", { path: url.pathname, cause: Cause.pretty(exit.cause) }).pipe(
          Effect.annotateLogs({ requestId: c.get("requestId") as string | undefined })
        )
      )
    }
    return c.json(error.body, error.status)
  }
