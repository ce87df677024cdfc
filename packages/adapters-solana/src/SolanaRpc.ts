/**
 * Solana JSON-RPC over HTTP, with every failure classified (RpcErrors) and every request
 * counted. The adapter's reads and sends go through here rather than through web3.js's
 * Connection, which retries 429s by itself, has no request timeout and cannot batch: a
 * reconciler reading thousands of transactions needs JSON-RPC batches and a count of the
 * requests it made.
 *
 * Requests go through node:http(s) with a keep-alive agent rather than fetch: measured against
 * the localnet, fetch cost ~1 ms a request and http.request ~0.2 ms, and a mint takes two.
 */

import { Agent as HttpAgent, request as httpRequest } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"
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

/** What one HTTP POST answered. */
export interface HttpAnswer {
  readonly status: number
  readonly statusText: string
  readonly retryAfter: string | null
  readonly body: string
}

/** Posts a JSON body; rejects only when no HTTP answer came (refused, reset, aborted). */
export type HttpPost = (url: string, body: string, signal: AbortSignal) => Promise<HttpAnswer>

/** node:http(s) with keep-alive connections; idle sockets do not hold the process open. */
export const nodeHttpPost = (): HttpPost => {
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64 })
  }
  return (url, body, signal) =>
    new Promise((resolve, reject) => {
      const target = new URL(url)
      const secure = target.protocol === "https:"
      const send = secure ? httpsRequest : httpRequest
      const req = send(
        target,
        {
          method: "POST",
          agent: secure ? agents.https : agents.http,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          signal
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("error", reject)
          res.on("end", () => {
            const retryAfter = res.headers["retry-after"]
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? "",
              retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
              body: Buffer.concat(chunks).toString("utf8")
            })
          })
        }
      )
      req.on("error", reject)
      req.end(body)
    })
}

export interface SolanaRpcOptions {
  readonly url: string
  readonly timeoutMs: number
  /** Calls per JSON-RPC batch (1: one call per request). */
  readonly batchSize: number
  /** Requests in flight at once for one `batch`. */
  readonly concurrency: number
  readonly tally: RequestTally
  readonly post?: HttpPost | undefined
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
  /**
   * `batch`, with each request's results mapped as soon as they arrive, so the endpoint serves
   * the next requests while this process decodes one; `first` is the index in `params` of the
   * request's first call. The mapped outputs, flattened, in order.
   */
  batchMap<A, B>(
    method: string,
    params: ReadonlyArray<ReadonlyArray<unknown>>,
    map: (results: ReadonlyArray<A>, first: number) => ReadonlyArray<B>
  ): Effect.Effect<ReadonlyArray<B>, ChainError>
  /** Different calls in one JSON-RPC batch: one round trip; results in order. */
  together(
    calls: ReadonlyArray<{ readonly method: string; readonly params: ReadonlyArray<unknown> }>
  ): Effect.Effect<ReadonlyArray<unknown>, ChainError>
}

interface JsonRpcResponse {
  readonly id?: unknown
  readonly result?: unknown
  readonly error?: JsonRpcErrorObject
}

const noContext: TransactionContext = { feePayer: "unknown" }

/**
 * Request bodies stay under 48 KiB: Agave's JSON-RPC service refuses bodies over 50 KiB by
 * default (`MAX_REQUEST_BODY_SIZE`), and providers put theirs at or above it.
 */
export const MAX_BATCH_BYTES = 48 * 1024
/** `{"jsonrpc":"2.0","id":1234567,"method":"","params":},` around each call's method and params. */
const CALL_OVERHEAD_BYTES = 64
const tooLarge = Symbol("tooLarge")

export const makeSolanaRpc = (options: SolanaRpcOptions): SolanaRpc => {
  const httpPost = options.post ?? nodeHttpPost()
  let nextId = 1
  /** Set when the endpoint answered even a small batch with something other than an array. */
  let batchingRefused = false
  /** Lowered when the endpoint refused a batch as too large. */
  let sizeCap = Number.POSITIVE_INFINITY

  /** One HTTP POST; answers the parsed JSON body or fails with a classified error. */
  const post = (methods: ReadonlyArray<string>, body: unknown) => {
    const method = methods[0] ?? "unknown"
    return Effect.tryPromise({
      try: (signal) => {
        options.tally.record(methods)
        return httpPost(
          options.url,
          JSON.stringify(body),
          AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)])
        )
      },
      catch: (error) => chainError(fromTransportFailure(method, error))
    }).pipe(
      Effect.flatMap((answer) => {
        if (answer.status < 200 || answer.status >= 300) {
          return Effect.fail(
            chainError(
              fromHttpStatus(
                method,
                answer.status,
                answer.statusText,
                retryAfterMs(answer.retryAfter, Date.now())
              )
            )
          )
        }
        try {
          return Effect.succeed(JSON.parse(answer.body) as unknown)
        } catch {
          const text = answer.body.slice(0, 80)
          return Effect.fail(
            chainError(
              fromTransportFailure(
                method,
                new Error(`the endpoint answered with something other than JSON (${text})`)
              )
            )
          )
        }
      })
    )
  }

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
    Effect.flatMap(post([method], { jsonrpc: "2.0", id: nextId++, method, params }), (response) =>
      answer<A>(method, response, context)
    ).pipe(
      // A span per call, without the stack capture: that cost more than the call on a localnet.
      Effect.withSpan(
        `SolanaRpc.${method}`,
        { attributes: { "rpc.method": method } },
        { captureStackTrace: false }
      )
    )

  const sendBatch = <A>(
    method: string,
    chunk: ReadonlyArray<ReadonlyArray<unknown>>
  ): Effect.Effect<ReadonlyArray<A>, ChainError> =>
    Effect.gen(function* () {
      if (chunk.length === 1 || batchingRefused) {
        return yield* Effect.forEach(chunk, (params) => call<A>(method, params))
      }
      if (chunk.length > sizeCap) {
        // Chunked before the endpoint refused a larger batch: split to what it takes.
        const parts: Array<ReadonlyArray<ReadonlyArray<unknown>>> = []
        for (let i = 0; i < chunk.length; i += sizeCap) parts.push(chunk.slice(i, i + sizeCap))
        return (yield* Effect.forEach(parts, (part) => sendBatch<A>(method, part))).flat()
      }
      const first = nextId
      nextId += chunk.length
      const body = chunk.map((params, i) => ({ jsonrpc: "2.0", id: first + i, method, params }))
      const response = yield* post(
        chunk.map(() => method),
        body
      ).pipe(
        // 413: the endpoint's request size limit is below ours. Smaller batches from now on.
        Effect.catchIf(
          (error) =>
            chunk.length > 1 &&
            error.reason._tag === "RpcUnavailable" &&
            error.reason.message.startsWith("HTTP 413"),
          () => Effect.succeed(tooLarge)
        )
      )
      if (!Array.isArray(response)) {
        if (chunk.length > 2) {
          // Refused: the batch may be larger than the provider takes (some cap the calls per
          // batch). Halve it, for this batch and every later one, before giving up on batches.
          sizeCap = Math.min(sizeCap, Math.ceil(chunk.length / 2))
          const half = Math.ceil(chunk.length / 2)
          const halves = yield* Effect.forEach([chunk.slice(0, half), chunk.slice(half)], (part) =>
            sendBatch<A>(method, part)
          )
          return halves.flat()
        }
        // Some providers refuse batches altogether: go one by one from now on.
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

  const batchMap = <A, B>(
    method: string,
    params: ReadonlyArray<ReadonlyArray<unknown>>,
    map: (results: ReadonlyArray<A>, first: number) => ReadonlyArray<B>
  ) => {
    // Chunks of at most `batchSize` calls and MAX_BATCH_BYTES of request body.
    const chunks: Array<ReadonlyArray<ReadonlyArray<unknown>>> = []
    let chunk: Array<ReadonlyArray<unknown>> = []
    let bytes = 0
    for (const p of params) {
      const size = JSON.stringify(p).length + method.length + CALL_OVERHEAD_BYTES
      if (
        chunk.length > 0 &&
        (chunk.length >= Math.min(options.batchSize, sizeCap) || bytes + size > MAX_BATCH_BYTES)
      ) {
        chunks.push(chunk)
        chunk = []
        bytes = 0
      }
      chunk.push(p)
      bytes += size
    }
    if (chunk.length > 0) chunks.push(chunk)
    const firsts: Array<number> = []
    for (let i = 0, first = 0; i < chunks.length; first += chunks[i]!.length, i++) firsts.push(first)
    return Effect.map(
      Effect.forEach(
        chunks,
        (chunk, i) => Effect.map(sendBatch<A>(method, chunk), (results) => map(results, firsts[i]!)),
        { concurrency: Math.max(1, options.concurrency) }
      ),
      (results) => results.flat()
    )
  }

  const batch = <A>(method: string, params: ReadonlyArray<ReadonlyArray<unknown>>) =>
    batchMap<A, A>(method, params, (results) => results)

  const together = (
    calls: ReadonlyArray<{ readonly method: string; readonly params: ReadonlyArray<unknown> }>
  ) =>
    Effect.gen(function* () {
      if (calls.length <= 1 || batchingRefused) {
        return yield* Effect.forEach(calls, (c) => call<unknown>(c.method, c.params))
      }
      const first = nextId
      nextId += calls.length
      const response = yield* post(
        calls.map((c) => c.method),
        calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params }))
      )
      if (!Array.isArray(response)) {
        batchingRefused = true
        return yield* Effect.forEach(calls, (c) => call<unknown>(c.method, c.params))
      }
      const byId = new Map<unknown, unknown>(
        response.map((item) => [Predicate.isObject(item) ? item.id : undefined, item])
      )
      return yield* Effect.forEach(calls, (c, i) => answer<unknown>(c.method, byId.get(first + i), noContext))
    }).pipe(Effect.withSpan("SolanaRpc.together", { attributes: { "rpc.calls": calls.length } }))

  return { url: options.url, call, batch, batchMap, together }
}
