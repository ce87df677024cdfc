/**
 * Solana JSON-RPC over fetch, with every failure classified (RpcErrors) and every request
 * counted. The adapter's reads and sends go through here rather than through web3.js's
 * Connection, which retries 429s by itself, has no request timeout and cannot batch: a
 * reconciler reading thousands of transactions needs JSON-RPC batches and a count of the
 * requests it made.
 */
import type { ChainError } from "@tickettoken/minting-core"
import { Context, Effect, Predicate } from "effect"
import {
  chainError,
  fromHttpStatus,
  fromJsonRpcError,
  fromTransportFailure,
  type JsonRpcErrorObject,
  retryAfterMs,
  type TransactionContext
} from "./RpcErrors.ts"

/** RPC traffic so far: HTTP round trips, and JSON-RPC calls (a batch of 100 is 1 request, 100 calls). */
export interface RpcCallCount {
  readonly requests: number
  readonly calls: number
  readonly byMethod: Readonly<Record<string, number>>
}

/** Counts what a fetch function sends; shared by our transport and umi's web3.js connection. */
export class RequestTally {
  requests = 0
  calls = 0
  readonly byMethod: Record<string, number> = {}

  record(methods: ReadonlyArray<string>): void {
    this.requests++
    this.calls += methods.length
    for (const method of methods) this.byMethod[method] = (this.byMethod[method] ?? 0) + 1
  }

  snapshot(): RpcCallCount {
    return { requests: this.requests, calls: this.calls, byMethod: { ...this.byMethod } }
  }

  /** A fetch that records the JSON-RPC methods in each request body before sending it. */
  countingFetch(inner: typeof fetch = fetch): typeof fetch {
    return (input, init) => {
      this.record(methodsOf(init?.body))
      return inner(input, init)
    }
  }
}

const methodsOf = (body: unknown): ReadonlyArray<string> => {
  if (!Predicate.isString(body)) return ["unknown"]
  try {
    const parsed: unknown = JSON.parse(body)
    const items = Array.isArray(parsed) ? parsed : [parsed]
    return items.map((item) =>
      Predicate.isObject(item) && Predicate.isString(item.method) ? item.method : "unknown"
    )
  } catch {
    return ["unknown"]
  }
}

/** The RPC requests this process has made, for the reconciler's report and the benchmarks. */
export class RpcCallCounter extends Context.Service<
  RpcCallCounter,
  { readonly count: Effect.Effect<RpcCallCount> }
>()("@tickettoken/minting-solana/RpcCallCounter") {}

export interface SolanaRpcOptions {
  readonly url: string
  readonly timeoutMs: number
  /** Calls per JSON-RPC batch (1: one call per request). */
  readonly batchSize: number
  /** Requests in flight at once for one `batch`. */
  readonly concurrency: number
  readonly tally: RequestTally
  readonly fetch?: typeof fetch | undefined
}

export interface SolanaRpc {
  readonly url: string
  /** One call; `context` names the fee payer and tree when a transaction error may come back. */
  call<A>(
    method: string,
    params: ReadonlyArray<unknown>,
    context?: TransactionContext
  ): Effect.Effect<A, ChainError>
  /** Many calls of one method, results in order; batched and run with bounded concurrency. */
  batch<A>(
    method: string,
    params: ReadonlyArray<ReadonlyArray<unknown>>
  ): Effect.Effect<ReadonlyArray<A>, ChainError>
}

interface JsonRpcResponse {
  readonly id?: unknown
  readonly result?: unknown
  readonly error?: JsonRpcErrorObject
}

const noContext: TransactionContext = { feePayer: "unknown" }

export const makeSolanaRpc = (options: SolanaRpcOptions): SolanaRpc => {
  const doFetch = options.tally.countingFetch(options.fetch ?? fetch)
  let nextId = 1
  /** Set when the endpoint answered a batch with something other than an array. */
  let batchingRefused = false

  /** One HTTP POST; answers the parsed JSON body or fails with a classified error. */
  const post = (method: string, body: unknown) =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await doFetch(options.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)])
        })
        if (!response.ok) {
          // Drain the body so the connection can be reused; its text is not needed.
          await response.arrayBuffer().catch(() => undefined)
          throw {
            status: response.status,
            statusText: response.statusText,
            retryAfter: response.headers.get("retry-after")
          }
        }
        const text = await response.text()
        try {
          return JSON.parse(text) as unknown
        } catch {
          throw { badBody: `the endpoint answered with something other than JSON (${text.slice(0, 80)})` }
        }
      },
      catch: (error) => {
        if (Predicate.isObject(error) && "status" in error && Predicate.isNumber(error.status)) {
          const retryAfter = Predicate.isString(error.retryAfter) ? error.retryAfter : null
          return chainError(
            fromHttpStatus(
              method,
              error.status,
              String(error.statusText ?? ""),
              retryAfterMs(retryAfter, Date.now())
            )
          )
        }
        if (Predicate.isObject(error) && "badBody" in error) {
          return chainError(fromTransportFailure(method, new Error(String(error.badBody))))
        }
        return chainError(fromTransportFailure(method, error))
      }
    })

  const answer = <A>(method: string, response: unknown, context: TransactionContext) => {
    if (!Predicate.isObject(response)) {
      return Effect.fail(
        chainError(fromTransportFailure(method, new Error("the endpoint answered without a JSON-RPC object")))
      )
    }
    const { error, result } = response as JsonRpcResponse
    if (error !== undefined && error !== null)
      return Effect.fail(chainError(fromJsonRpcError(method, error, context)))
    return Effect.succeed(result as A)
  }

  const call = <A>(method: string, params: ReadonlyArray<unknown>, context: TransactionContext = noContext) =>
    Effect.flatMap(post(method, { jsonrpc: "2.0", id: nextId++, method, params }), (response) =>
      answer<A>(method, response, context)
    ).pipe(Effect.withSpan(`SolanaRpc.${method}`, { attributes: { "rpc.method": method } }))

  const sendBatch = <A>(method: string, chunk: ReadonlyArray<ReadonlyArray<unknown>>) =>
    Effect.gen(function* () {
      if (chunk.length === 1 || batchingRefused) {
        return yield* Effect.forEach(chunk, (params) => call<A>(method, params))
      }
      const first = nextId
      nextId += chunk.length
      const body = chunk.map((params, i) => ({ jsonrpc: "2.0", id: first + i, method, params }))
      const response = yield* post(method, body)
      if (!Array.isArray(response)) {
        // Some providers refuse batches (an error object, not an array): go one by one from now on.
        batchingRefused = true
        return yield* Effect.forEach(chunk, (params) => call<A>(method, params))
      }
      const byId = new Map<unknown, unknown>(
        response.map((item) => [Predicate.isObject(item) ? item.id : undefined, item])
      )
      return yield* Effect.forEach(chunk, (_, i) => answer<A>(method, byId.get(first + i), noContext))
    }).pipe(
      Effect.withSpan(`SolanaRpc.batch.${method}`, {
        attributes: { "rpc.method": method, "rpc.calls": chunk.length }
      })
    )

  const batch = <A>(method: string, params: ReadonlyArray<ReadonlyArray<unknown>>) => {
    const size = Math.max(1, options.batchSize)
    const chunks: Array<ReadonlyArray<ReadonlyArray<unknown>>> = []
    for (let i = 0; i < params.length; i += size) chunks.push(params.slice(i, i + size))
    return Effect.map(
      Effect.forEach(chunks, (chunk) => sendBatch<A>(method, chunk), {
        concurrency: Math.max(1, options.concurrency)
      }),
      (results) => results.flat()
    )
  }

  return { url: options.url, call, batch }
}
