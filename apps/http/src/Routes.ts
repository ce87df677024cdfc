/**
 * The Hono routes, mounted from the API's one definition (core/client Api): each endpoint's
 * method, path and access come from its declaration, its path, query and body are decoded with
 * its schemas before the implementation runs, and the implementation may answer only a status
 * the declaration lists. A path answers 405 with `Allow` for the methods it does not declare.
 */
import { Api } from "@tickettoken/minting-core/client"
import { Effect, type Schema } from "effect"
import type { Context, Env, Hono } from "hono"
import type { AppServices } from "./AppServices.ts"
import type { IncomingRequest } from "./Auth.ts"
import { decodeJson, decodeParams } from "./Body.ts"
import { type HandlerContext, handler } from "./Handler.ts"
import { httpError, type RouteError } from "./HttpErrors.ts"

type TypeOf<E, K extends "params" | "query" | "body"> = E extends {
  readonly [key in K]: infer S extends Schema.Top
}
  ? S["Type"]
  : undefined

export interface Input<E extends Api.Endpoint> {
  readonly params: TypeOf<E, "params">
  readonly query: TypeOf<E, "query">
  readonly body: TypeOf<E, "body">
  readonly request: IncomingRequest
  readonly c: Context
}

/** An answer the endpoint declares: its status is one of the declaration's. */
export type Reply<E extends Api.Endpoint> =
  | { readonly status: keyof E["answers"] & number; readonly json: unknown }
  | { readonly status: keyof E["answers"] & number; readonly text: string; readonly contentType: string }

export type Implementation<E extends Api.Endpoint> = (
  input: Input<E>
) => Effect.Effect<Reply<E>, RouteError, AppServices>

/** One implementation per declared endpoint: a declaration without one does not compile. */
export type Implementations = { readonly [K in Api.EndpointName]: Implementation<Api.Endpoints[K]> }

const decodeInputs = (e: Api.Endpoint, request: IncomingRequest, c: Context) =>
  Effect.gen(function* () {
    const params = e.params === undefined ? undefined : yield* decodeParams(e.params, c.req.param(), "path")
    const query = e.query === undefined ? undefined : yield* decodeParams(e.query, c.req.query(), "query")
    const body =
      e.body === undefined
        ? undefined
        : yield* decodeJson(e.body, request.body, request.header("content-type"))
    return { params, query, body, request, c }
  })

const mountOne = <E extends Api.Endpoint, V extends Env>(
  app: Hono<V>,
  ctx: HandlerContext,
  e: E,
  implementation: Implementation<E>
) =>
  app.on(
    e.method,
    honoPath(e.path),
    handler(ctx, e.access, (request, c) =>
      // The decoded values are the endpoint's own schemas' types; TypeScript cannot follow a
      // schema from a generic declaration to its Type, so this is the one place that says so.
      Effect.flatMap(decodeInputs(e, request, c), (input) => implementation(input as Input<E>))
    )
  )

/** `/v1/mints/{ticketId}` as Hono writes it: `/v1/mints/:ticketId`. */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1")

export const mountAll = <V extends Env>(
  app: Hono<V>,
  ctx: HandlerContext,
  implementations: Implementations
) => {
  const mountNamed = <K extends Api.EndpointName>(name: K) =>
    mountOne(app, ctx, Api.endpoints[name], implementations[name])
  for (const name of Api.names) mountNamed(name)
  // Declared paths, undeclared methods: 405, after every declared route. Allow lists the methods
  // of every declaration the request's path matches (`/v1/mints/batch` is also a ticket id path).
  const templates = Api.names.map((name) => {
    const e = Api.endpoints[name]
    return { method: e.method, pattern: new RegExp(`^${e.path.replace(/\{\w+\}/g, "[^/]+")}$`) }
  })
  const allowFor = (path: string) => {
    const methods = new Set<string>()
    for (const t of templates) {
      if (!t.pattern.test(path)) continue
      methods.add(t.method)
      if (t.method === "GET") methods.add("HEAD")
    }
    return [...methods].sort().join(", ")
  }
  for (const path of new Set(Api.names.map((name) => Api.endpoints[name].path))) {
    app.all(honoPath(path), (c) => {
      const allow = allowFor(c.req.path)
      const error = httpError(
        405,
        "method_not_allowed",
        `${c.req.method} is not allowed here; allowed: ${allow}`
      )
      return c.json(error.body, 405, { allow })
    })
  }
}
