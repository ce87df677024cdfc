/**
 * Every way a Solana RPC call or a transaction fails, sorted onto ChainError's reasons. The
 * worker decides from `retryable` alone, so the sorting is the policy: the endpoint or the
 * cluster being busy, slow or behind is worth another try; a refusal by a program, an empty
 * fee payer or a full tree is not.
 *
 * Pure functions of what the RPC answered; nothing here holds a secret, and nothing secret is
 * ever passed in (requests carry only public keys, signatures and signed bytes).
 */

import { getMplBubblegumErrorFromCode } from "@metaplex-foundation/mpl-bubblegum"
import { getSplAccountCompressionErrorFromCode } from "@metaplex-foundation/spl-account-compression"
import type { Program } from "@metaplex-foundation/umi"
import {
  BlockhashNotFound,
  ChainError,
  type ChainErrorReason,
  InsufficientFunds,
  InvalidRequest,
  ProgramFailed,
  RateLimited,
  RpcUnavailable,
  Timeout,
  TreeFull,
  TreeMissing
} from "@tickettoken/minting-core"
import { Predicate } from "effect"

export const SYSTEM_PROGRAM = "11111111111111111111111111111111"
export const BUBBLEGUM_PROGRAM = "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"
export const COMPRESSION_PROGRAM = "cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK"

/** Bubblegum's InsufficientMintCapacity: the tree config has minted its last leaf. */
const BUBBLEGUM_INSUFFICIENT_MINT_CAPACITY = 6017
/** SPL account compression's ConcurrentMerkleTreeError, which wraps TreeFull among others. */
const COMPRESSION_CONCURRENT_MERKLE_TREE_ERROR = 6001
/** Anchor's AccountNotInitialized (0xbc4): an account the instruction reads does not exist. */
const ANCHOR_ACCOUNT_NOT_INITIALIZED = 3012
/** SystemError::ResultWithNegativeLamports: a transfer from an account that has too little. */
const SYSTEM_RESULT_WITH_NEGATIVE_LAMPORTS = 1

export const chainError = (reason: ChainErrorReason): ChainError => new ChainError({ reason })

/** What a failing transaction is known by, to name accounts and programs in the reason. */
export interface TransactionContext {
  readonly feePayer: string
  /** The tree the transaction writes to, if any: TreeFull names it. */
  readonly tree?: string | undefined
  /** The message's account keys (static, then loaded), to resolve `account_index`. */
  readonly accountKeys?: ReadonlyArray<string> | undefined
  /** The program of each top-level instruction, to resolve `InstructionError`'s index. */
  readonly programIds?: ReadonlyArray<string> | undefined
}

const transientTransactionErrors = new Set([
  "AccountInUse",
  "WouldExceedMaxBlockCostLimit",
  "WouldExceedMaxAccountCostLimit",
  "WouldExceedAccountDataBlockLimit",
  "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit",
  "ClusterMaintenance",
  "ProgramCacheHitMaxLimit",
  "ResanitizationNeeded",
  "CommitCancelled"
])

/** The `Program <id> failed: <why>` line of the program that actually failed (the deepest CPI). */
const failedProgramLine = (logs: ReadonlyArray<string>): { program: string; why: string } | undefined => {
  for (const line of logs) {
    const match = /^Program (\w{32,44}) failed: (.*)$/.exec(line)
    if (match !== null) return { program: match[1]!, why: match[2]! }
  }
  return undefined
}

const mentionsTreeFull = (logs: ReadonlyArray<string>) =>
  logs.some((line) => /tree is full|treefull|insufficient ?mint ?capacity/i.test(line))

/** The account Anchor names in its error log ("AnchorError caused by account: tree_authority. ..."). */
const anchorAccount = (logs: ReadonlyArray<string>): string | undefined => {
  for (const line of logs) {
    const match = /AnchorError caused by account: (\w+)/.exec(line)
    if (match !== null) return match[1]
  }
  return undefined
}

/** Bubblegum's names for the tree's own accounts: the merkle tree and its config PDA. */
const treeAccounts = new Set(["merkle_tree", "tree_authority", "tree_config"])

const mentionsInsufficientLamports = (logs: ReadonlyArray<string>) =>
  logs.some((line) => /insufficient lamports/i.test(line))

/**
 * A Solana TransactionError (the RPC's JSON of it: a simulation's `err`, a status's `err`, a
 * preflight failure's `data.err`) with the logs that came with it.
 */
export const fromTransactionError = (
  err: unknown,
  logs: ReadonlyArray<string>,
  context: TransactionContext
): ChainErrorReason => {
  const json = JSON.stringify(err) ?? String(err)
  if (Predicate.isString(err)) {
    switch (err) {
      case "BlockhashNotFound":
        return new BlockhashNotFound()
      case "AccountNotFound":
      case "InsufficientFundsForFee":
        return new InsufficientFunds({
          account: context.feePayer,
          message: `the fee payer cannot pay the fee (${err})`
        })
      case "AlreadyProcessed":
        // Callers that send treat this as success before it reaches here.
        return new InvalidRequest({ message: "the transaction has already been processed" })
      default:
        if (transientTransactionErrors.has(err)) {
          return new RpcUnavailable({
            method: "sendTransaction",
            message: `the cluster refused it for now: ${err}`
          })
        }
        return new InvalidRequest({ message: `the cluster rejected the transaction: ${err}` })
    }
  }
  if (Predicate.isObject(err) && "InsufficientFundsForRent" in err) {
    const index = (err.InsufficientFundsForRent as { account_index?: number } | undefined)?.account_index
    const account = (index === undefined ? undefined : context.accountKeys?.[index]) ?? context.feePayer
    return new InsufficientFunds({ account, message: `account ${account} would fall below rent exemption` })
  }
  if (Predicate.isObject(err) && "InstructionError" in err && Array.isArray(err.InstructionError)) {
    const [index, detail] = err.InstructionError as [number, unknown]
    const failed = failedProgramLine(logs)
    const program = failed?.program ?? context.programIds?.[index] ?? "unknown"
    const code =
      Predicate.isObject(detail) && "Custom" in detail && Predicate.isNumber(detail.Custom)
        ? detail.Custom
        : null
    const outerProgram = context.programIds?.[index]
    if (
      (code === SYSTEM_RESULT_WITH_NEGATIVE_LAMPORTS &&
        (program === SYSTEM_PROGRAM || outerProgram === SYSTEM_PROGRAM)) ||
      detail === "InsufficientFunds" ||
      mentionsInsufficientLamports(logs)
    ) {
      return new InsufficientFunds({
        account: context.feePayer,
        message: `instruction ${index} could not pay: ${failed?.why ?? json}`
      })
    }
    if (
      (code === BUBBLEGUM_INSUFFICIENT_MINT_CAPACITY && program === BUBBLEGUM_PROGRAM) ||
      (code === COMPRESSION_CONCURRENT_MERKLE_TREE_ERROR &&
        program === COMPRESSION_PROGRAM &&
        mentionsTreeFull(logs)) ||
      mentionsTreeFull(logs)
    ) {
      return new TreeFull({ tree: context.tree ?? "unknown" })
    }
    // A mint into a tree whose accounts are gone (a chain restarted empty, another cluster):
    // Bubblegum's Anchor checks find the tree config uninitialised. Any other account named
    // (a collection's, say) is a refusal of this request, not a missing tree.
    if (
      code === ANCHOR_ACCOUNT_NOT_INITIALIZED &&
      program === BUBBLEGUM_PROGRAM &&
      context.tree !== undefined
    ) {
      const account = anchorAccount(logs)
      if (account === undefined || treeAccounts.has(account)) return new TreeMissing({ tree: context.tree })
    }
    return new ProgramFailed({
      program,
      code,
      message: `instruction ${index} failed: ${programErrorName(program, code) ?? failed?.why ?? json}`,
      logs: [...logs]
    })
  }
  return new InvalidRequest({ message: `the cluster rejected the transaction: ${json}` })
}

/** Bubblegum's and account compression's own name for a custom error code, from their clients. */
const programErrorName = (program: string, code: number | null): string | undefined => {
  if (code === null) return undefined
  // The generated lookups only read `name` and `publicKey` from the program, for their message.
  const named = (name: string) => ({ name, publicKey: program }) as unknown as Program
  const error =
    program === BUBBLEGUM_PROGRAM
      ? getMplBubblegumErrorFromCode(code, named("mplBubblegum"))
      : program === COMPRESSION_PROGRAM
        ? getSplAccountCompressionErrorFromCode(code, named("splAccountCompression"))
        : null
  return error === null ? undefined : `${error.name} (custom program error ${code})`
}

/** A JSON-RPC error object from the endpoint. */
export interface JsonRpcErrorObject {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

/**
 * JSON-RPC errors. The codes are Solana's (rpc-client-api `custom_error.rs`); providers add their
 * own rate-limit answers with HTTP 200, which are recognised by code or text.
 */
export const fromJsonRpcError = (
  method: string,
  error: JsonRpcErrorObject,
  context: TransactionContext
): ChainErrorReason => {
  const { code, message } = error
  if (code === 429 || code === -32429 || /rate.?limit|too many requests/i.test(message)) {
    return new RateLimited({ method, retryAfterMs: null })
  }
  switch (code) {
    // Preflight (simulation) failure: `data` holds the TransactionError and the logs.
    case -32002: {
      const data = Predicate.isObject(error.data) ? error.data : {}
      const logs = Array.isArray(data.logs) ? data.logs.filter(Predicate.isString) : []
      if ("err" in data && data.err !== null && data.err !== undefined) {
        return fromTransactionError(data.err, logs, context)
      }
      if (/blockhash not found/i.test(message)) return new BlockhashNotFound()
      return new InvalidRequest({ message: `${method}: ${message}` })
    }
    case -32003: // signature verification failure
    case -32013: // transaction signature length mismatch
    case -32015: // unsupported transaction version
    case -32600:
    case -32601:
    case -32602:
      return new InvalidRequest({ message: `${method}: ${message}` })
    // Node unhealthy / behind, slot skipped or not yet available, min context slot not reached.
    case -32004:
    case -32005:
    case -32007:
    case -32009:
    case -32014:
    case -32016:
      return new RpcUnavailable({ method, message })
    default:
      if (/blockhash not found/i.test(message)) return new BlockhashNotFound()
      return new RpcUnavailable({ method, message: `JSON-RPC error ${code}: ${message}` })
  }
}

/** Retry-After in milliseconds: seconds or an HTTP date; null when absent or unreadable. */
export const retryAfterMs = (header: string | null, now: number): number | null => {
  if (header === null || header.trim() === "") return null
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000))
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/**
 * A non-2xx HTTP answer. 429 is a rate limit. Every other status is the endpoint's trouble, not
 * the request's (our requests are well-formed JSON-RPC): 5xx, and also 401/403 from a provider
 * whose key was revoked, which an operator fixes without failing the mints waiting on it.
 */
export const fromHttpStatus = (
  method: string,
  status: number,
  statusText: string,
  retryAfter: number | null
): ChainErrorReason =>
  status === 429
    ? new RateLimited({ method, retryAfterMs: retryAfter })
    : new RpcUnavailable({ method, message: `HTTP ${status}${statusText === "" ? "" : ` ${statusText}`}` })

const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED"
])
const timeoutCodes = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT"
])

/** The chain of `cause`s of a thrown value, outermost first (fetch hides the socket error inside). */
const causes = (error: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  let current: unknown = error
  while (current !== undefined && current !== null && chain.length < 8) {
    chain.push(current)
    current = Predicate.isObject(current) && "cause" in current ? current.cause : undefined
  }
  return chain
}

/** fetch threw: the request never got an HTTP answer. */
export const fromTransportFailure = (method: string, error: unknown): ChainErrorReason => {
  for (const cause of causes(error)) {
    if (!Predicate.isObject(cause)) continue
    const name = "name" in cause ? cause.name : undefined
    const code = "code" in cause ? cause.code : undefined
    if (name === "TimeoutError" || (Predicate.isString(code) && timeoutCodes.has(code))) {
      return new Timeout({ method })
    }
    if (Predicate.isString(code) && networkCodes.has(code)) {
      return new RpcUnavailable({ method, message: `${code}: the endpoint did not answer` })
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return new RpcUnavailable({ method, message })
}
