// JSON-RPC 2.0 framing shared by the HTTP and WebSocket endpoints: request dispatch (single and
// batch), the error codes Solana clients branch on, parameter checks, and a JSON encoder that
// writes u64 values exactly as a validator does.
import type { Commitment } from "./SlotClock.ts"

export type JsonRpcId = string | number | null

export interface JsonRpcRequest {
  readonly jsonrpc: "2.0"
  readonly id?: JsonRpcId
  readonly method: string
  readonly params?: unknown
}

export interface JsonRpcErrorObject {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

export type JsonRpcResponse =
  | { readonly jsonrpc: "2.0"; readonly id: JsonRpcId; readonly result: unknown }
  | { readonly jsonrpc: "2.0"; readonly id: JsonRpcId; readonly error: JsonRpcErrorObject }

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  SendTransactionPreflightFailure: -32002,
  TransactionSignatureVerificationFailure: -32003,
  BlockNotAvailable: -32004,
  SlotSkipped: -32007,
  TransactionVersionNotSupported: -32015,
  MinContextSlotNotReached: -32016
} as const

export class RpcError extends Error {
  override readonly name = "RpcError"
  readonly code: number
  readonly data: unknown
  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.code = code
    this.data = data
  }
}

export const invalidParams = (detail: string): RpcError =>
  new RpcError(ErrorCode.InvalidParams, `Invalid params: ${detail}`)

export type MethodHandler = (params: ReadonlyArray<unknown>) => unknown

const isRequestShape = (value: unknown): value is JsonRpcRequest =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  (value as { jsonrpc?: unknown }).jsonrpc === "2.0" &&
  typeof (value as { method?: unknown }).method === "string"

const isEmptyObject = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0

const requestId = (value: unknown): JsonRpcId => {
  const id = (value as { id?: unknown } | null)?.id
  return typeof id === "string" || typeof id === "number" ? id : null
}

const failure = (id: JsonRpcId, error: RpcError): JsonRpcResponse => ({
  jsonrpc: "2.0",
  id,
  error:
    error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data }
})

/**
 * One function from a parsed JSON-RPC request (or batch) to its response. Everything the server
 * does goes through here, so a proxy or an in-process test can call it without a socket.
 */
export const makeHandler =
  (methods: Readonly<Record<string, MethodHandler>>) =>
  (request: unknown): JsonRpcResponse | JsonRpcResponse[] => {
    const one = (entry: unknown): JsonRpcResponse => {
      const id = requestId(entry)
      if (!isRequestShape(entry))
        return failure(id, new RpcError(ErrorCode.InvalidRequest, "Invalid request"))
      const method = Object.hasOwn(methods, entry.method) ? methods[entry.method] : undefined
      if (!method) return failure(id, new RpcError(ErrorCode.MethodNotFound, "Method not found"))
      // umi's rpc.call() sends `{}` for a method without parameters.
      let params: unknown =
        entry.params === undefined || entry.params === null || isEmptyObject(entry.params) ? [] : entry.params
      if (!Array.isArray(params)) {
        // DAS methods take their parameters by name; every other method wants an array.
        if (!(method as { namedParams?: boolean }).namedParams || typeof params !== "object") {
          return failure(id, invalidParams("params must be an array"))
        }
        params = [params]
      }
      try {
        return { jsonrpc: "2.0", id, result: method(params as ReadonlyArray<unknown>) }
      } catch (error) {
        if (error instanceof RpcError) return failure(id, error)
        const message = error instanceof Error ? error.message : String(error)
        return failure(id, new RpcError(ErrorCode.InternalError, `Internal error: ${message}`))
      }
    }
    if (Array.isArray(request)) {
      if (request.length === 0)
        return failure(null, new RpcError(ErrorCode.InvalidRequest, "Invalid request"))
      return request.map(one)
    }
    return one(request)
  }

/** Parses request text; answers -32700 for text that is not JSON. */
export const parseRequestText = (
  text: string
): { ok: true; value: unknown } | { ok: false; response: JsonRpcResponse } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false, response: failure(null, new RpcError(ErrorCode.ParseError, "Parse error")) }
  }
}

// JSON.stringify cannot write bigints and numbers above 2^53 lose digits; u64 fields (lamports,
// fees) are kept as bigints until here and written as exact integers.
const BIGINT_MARK = "\u0000u64:"
const bigintPattern = /"\\u0000u64:(\d+)"/g
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * A u64 as an answer carries it: a number when it is one exactly, else the bigint (which
 * encodeJson writes digit for digit). Answers built of these need no replacer: JSON.stringify
 * with one calls it for every value, which made encoding a getTransaction answer take twice as long.
 */
export const u64 = (value: bigint): number | bigint => (value <= MAX_SAFE ? Number(value) : value)

export const encodeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value)
  } catch (error) {
    // A bigint somewhere (JSON.stringify's only TypeError besides a cycle): write them exactly.
    if (!(error instanceof TypeError)) throw error
  }
  let sawBigint = false
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "bigint") return v
    if (v <= MAX_SAFE) return Number(v)
    sawBigint = true
    return BIGINT_MARK + v.toString()
  })
  return sawBigint ? text.replace(bigintPattern, "$1") : text
}

// ---- parameter checks ------------------------------------------------------------------------

export const configAt = (params: ReadonlyArray<unknown>, index: number): Record<string, unknown> => {
  const value = params[index]
  if (value === undefined || value === null) return {}
  if (typeof value !== "object" || Array.isArray(value))
    throw invalidParams(`expected a config object at ${index}`)
  return value as Record<string, unknown>
}

export const stringAt = (params: ReadonlyArray<unknown>, index: number, what: string): string => {
  const value = params[index]
  if (typeof value !== "string") throw invalidParams(`expected ${what} (a string) at ${index}`)
  return value
}

export const integerAt = (params: ReadonlyArray<unknown>, index: number, what: string): number => {
  const value = params[index]
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidParams(`expected ${what} (a non-negative integer) at ${index}`)
  }
  return value
}

export const optionalBoolean = (config: Record<string, unknown>, key: string, fallback: boolean): boolean => {
  const value = config[key]
  if (value === undefined || value === null) return fallback
  if (typeof value !== "boolean") throw invalidParams(`${key} must be a boolean`)
  return value
}

export const optionalInteger = (config: Record<string, unknown>, key: string): number | undefined => {
  const value = config[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidParams(`${key} must be a non-negative integer`)
  }
  return value
}

export const optionalString = (config: Record<string, unknown>, key: string): string | undefined => {
  const value = config[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") throw invalidParams(`${key} must be a string`)
  return value
}

// The old names are still sent by older clients (web3.js accepts them too).
const commitmentAliases: Readonly<Record<string, Commitment>> = {
  processed: "processed",
  recent: "processed",
  confirmed: "confirmed",
  single: "confirmed",
  singleGossip: "confirmed",
  finalized: "finalized",
  max: "finalized",
  root: "finalized"
}

/** The commitment a request asks for; a validator's default is finalized. */
export const commitmentOf = (
  config: Record<string, unknown>,
  fallback: Commitment = "finalized"
): Commitment => {
  const value = config.commitment
  if (value === undefined || value === null) return fallback
  const commitment = typeof value === "string" ? commitmentAliases[value] : undefined
  if (!commitment) throw invalidParams(`unknown commitment ${JSON.stringify(value)}`)
  return commitment
}
