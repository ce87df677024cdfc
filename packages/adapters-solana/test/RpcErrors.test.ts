/**
 * Failures sorted onto ChainError's reasons: a tiny HTTP stub on 127.0.0.1 answers as a
 * troubled endpoint would (429, 5xx, silence, JSON-RPC errors, no JSON), and the
 * TransactionErrors a cluster reports are classified as the worker needs them.
 */
import { once } from "node:events"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { transferSol } from "@metaplex-foundation/mpl-toolbox"
import { lamports, publicKey } from "@metaplex-foundation/umi"
import { Keypair } from "@solana/web3.js"
import { ChainError, type ChainGateway } from "@tickettoken/minting-core"
import { Effect, Redacted } from "effect"
import { BubblegumGateway } from "../src/BubblegumGateway.ts"
import {
  BUBBLEGUM_PROGRAM,
  COMPRESSION_PROGRAM,
  fromHttpStatus,
  fromJsonRpcError,
  fromTransactionError,
  retryAfterMs,
  SYSTEM_PROGRAM
} from "../src/RpcErrors.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { defaults } from "../src/SolanaConfig.ts"
import { makeTransactions, recentFeeEstimate } from "../src/Transactions.ts"

type Handler = (body: unknown, res: ServerResponse) => void
let handler: Handler = (_, res) => res.end()
const requests: Array<unknown> = []
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let text = ""
  req.on("data", (chunk) => {
    text += chunk
  })
  req.on("end", () => {
    const body = JSON.parse(text)
    requests.push(body)
    handler(body, res)
  })
})
let url = ""
const secretKey = Keypair.generate().secretKey
const secret = JSON.stringify(Array.from(secretKey))

beforeAll(async () => {
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}
const rpcError =
  (code: number, message: string, data?: unknown): Handler =>
  (body, res) =>
    json(res, 200, { jsonrpc: "2.0", id: (body as { id: number }).id, error: { code, message, data } })

const gateway = (rpcUrl: string) =>
  Effect.flatMap(
    SolanaClient.make({ ...defaults, rpcUrl, keypair: Redacted.make(secret), rpcTimeoutMs: 300 }),
    BubblegumGateway.make
  )

/** The ChainError a gateway call fails with, checked never to carry the key. */
const failure = <A>(call: (chain: ChainGateway["Service"]) => Effect.Effect<A, ChainError>, rpcUrl = url) =>
  Effect.gen(function* () {
    const chain = yield* gateway(rpcUrl)
    const error = yield* Effect.flip(call(chain))
    expect(error).toBeInstanceOf(ChainError)
    const text = `${error.message} ${JSON.stringify(error)} ${String(error)}`
    expect(text).not.toContain(secret)
    expect(text).not.toContain(Buffer.from(secretKey).toString("base64"))
    return error
  })

describe("RPC failures through the gateway", () => {
  it.live("HTTP 429 is RateLimited, with Retry-After, and retryable", () =>
    Effect.gen(function* () {
      handler = (_, res) => json(res, 429, { error: "slow down" }, { "retry-after": "2" })
      const error = yield* failure((chain) => chain.blockHeight)
      expect(error.reason).toMatchObject({
        _tag: "RateLimited",
        method: "getBlockHeight",
        retryAfterMs: 2000
      })
      expect(error.retryable).toBe(true)
    })
  )

  it.live("HTTP 5xx is RpcUnavailable, retryable", () =>
    Effect.gen(function* () {
      for (const status of [500, 502, 503]) {
        handler = (_, res) => json(res, status, {})
        const error = yield* failure((chain) => chain.statuses(["x"]))
        expect(error.reason).toMatchObject({ _tag: "RpcUnavailable", method: "getSignatureStatuses" })
        expect(error.retryable).toBe(true)
      }
    })
  )

  it.live("an endpoint that does not answer in time is a Timeout, retryable", () =>
    Effect.gen(function* () {
      handler = () => undefined
      const error = yield* failure((chain) => chain.blockHeight)
      expect(error.reason).toMatchObject({ _tag: "Timeout", method: "getBlockHeight" })
      expect(error.retryable).toBe(true)
    })
  )

  it.live("a refused connection is RpcUnavailable, retryable", () =>
    Effect.gen(function* () {
      const closed = createServer()
      closed.listen(0, "127.0.0.1")
      yield* Effect.promise(() => once(closed, "listening"))
      const port = (closed.address() as AddressInfo).port
      closed.close()
      const error = yield* failure((chain) => chain.info, `http://127.0.0.1:${port}`)
      expect(error.reason._tag).toBe("RpcUnavailable")
      expect(error.retryable).toBe(true)
    })
  )

  it.live("a JSON-RPC rate limit with HTTP 200, a node behind, and a body that is not JSON", () =>
    Effect.gen(function* () {
      handler = rpcError(-32429, "Too many requests for a specific RPC call")
      expect((yield* failure((chain) => chain.blockHeight)).reason._tag).toBe("RateLimited")
      handler = rpcError(-32005, "Node is behind by 42 slots")
      expect((yield* failure((chain) => chain.blockHeight)).reason._tag).toBe("RpcUnavailable")
      handler = (_, res) => {
        res.writeHead(200, { "content-type": "text/html" })
        res.end("<html>gateway</html>")
      }
      expect((yield* failure((chain) => chain.blockHeight)).reason._tag).toBe("RpcUnavailable")
    })
  )

  it.live("send classifies what the RPC still refuses without preflight; already processed is success", () =>
    Effect.gen(function* () {
      handler = rpcError(-32002, "Transaction simulation failed: Blockhash not found", {
        err: "BlockhashNotFound",
        logs: []
      })
      const stale = yield* failure((chain) => chain.send(new Uint8Array(100)))
      expect(stale.reason._tag).toBe("BlockhashNotFound")
      expect(stale.retryable).toBe(true)
      handler = rpcError(-32003, "Transaction signature verification failure")
      const forged = yield* failure((chain) => chain.send(new Uint8Array(100)))
      expect(forged.reason._tag).toBe("InvalidRequest")
      expect(forged.retryable).toBe(false)
      handler = rpcError(
        -32002,
        "Transaction simulation failed: This transaction has already been processed",
        {
          err: "AlreadyProcessed",
          logs: []
        }
      )
      const chain = yield* gateway(url)
      yield* chain.send(new Uint8Array(100))
      // Sent once, with no preflight and no retries by the node: the worker owns re-sending.
      const last = requests.at(-1) as { method: string; params: [string, Record<string, unknown>] }
      expect(last.method).toBe("sendTransaction")
      expect(last.params[1]).toMatchObject({ encoding: "base64", skipPreflight: true, maxRetries: 0 })
    })
  )

  it.live("statuses ask for at most 256 signatures per call, searching history, and keep the order", () =>
    Effect.gen(function* () {
      const failedTree = "Tree11111111111111111111111111111111111111"
      const before = requests.length
      handler = (body, res) => {
        const { id, params, method } = body as { id: number; params: [ReadonlyArray<string>]; method: string }
        if (method === "getTransaction") {
          // The failed one's transaction, read to classify its error: its logs name Bubblegum's 6017.
          const bubblegum = "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY"
          json(res, 200, {
            jsonrpc: "2.0",
            id,
            result: {
              slot: 8,
              transaction: {
                signatures: ["b-failed"],
                message: {
                  accountKeys: [
                    "Payer1111111111111111111111111111111111111",
                    "x",
                    "y",
                    failedTree,
                    bubblegum
                  ],
                  instructions: [{ programIdIndex: 4, accounts: [1, 2, 2, 3], data: "" }]
                }
              },
              meta: {
                err: { InstructionError: [0, { Custom: 6017 }] },
                logMessages: [
                  `Program ${bubblegum} invoke [1]`,
                  `Program ${bubblegum} failed: custom program error: 0x1781`
                ]
              }
            }
          })
          return
        }
        json(res, 200, {
          jsonrpc: "2.0",
          id,
          result: {
            context: { slot: 9 },
            value: params[0].map((s) =>
              s.endsWith("landed")
                ? { slot: 7, confirmations: 0, err: null, confirmationStatus: "confirmed" }
                : s.endsWith("failed")
                  ? {
                      slot: 8,
                      confirmations: 0,
                      err: { InstructionError: [2, { Custom: 1 }] },
                      confirmationStatus: "confirmed"
                    }
                  : s.endsWith("processed")
                    ? { slot: 9, confirmations: 0, err: null, confirmationStatus: "processed" }
                    : null
            )
          }
        })
      }
      const chain = yield* gateway(url)
      const signatures = Array.from({ length: 600 }, (_, i) =>
        i === 0 ? "a-landed" : i === 300 ? "b-failed" : i === 599 ? "c-processed" : `unknown-${i}`
      )
      const observed = yield* chain.statuses(signatures)
      expect(observed.map((o) => o.signature)).toEqual(signatures)
      expect(observed[0]).toEqual({ signature: "a-landed", state: "landed", slot: 7, err: null })
      // The failure is classified from its transaction (one batched read), not from the status's JSON.
      expect(observed[300]).toMatchObject({
        signature: "b-failed",
        state: "landed",
        slot: 8,
        err: '{"InstructionError":[2,{"Custom":1}]}',
        reason: { _tag: "TreeFull", tree: failedTree }
      })
      // Processed is not yet confirmed: it may still vanish with its fork.
      expect(observed[599]).toEqual({ signature: "c-processed", state: "absent" })
      const all = requests.slice(before) as Array<{ method: string; params: [Array<string>, object] }>
      expect(all.filter((c) => c.method === "getTransaction").map((c) => c.params[0])).toEqual(["b-failed"])
      const calls = all.filter((c) => c.method === "getSignatureStatuses")
      expect(calls.map((c) => c.params[0].length).sort((a, b) => a - b)).toEqual([88, 256, 256])
      for (const c of calls) expect(c.params[1]).toEqual({ searchTransactionHistory: true })
    })
  )
})

describe("priority fees", () => {
  it("the estimate is the 75th percentile of the slots that paid, capped", () => {
    expect(recentFeeEstimate([], 1_000)).toBe(0)
    expect(recentFeeEstimate([0, 0, 0], 1_000)).toBe(0)
    expect(recentFeeEstimate([0, 100, 0, 200, 300, 400, 0], 1_000)).toBe(400)
    expect(recentFeeEstimate([0, 100, 200, 300, 400, 500, 600, 700, 800], 1_000)).toBe(700)
    expect(recentFeeEstimate([5_000, 9_000], 1_000)).toBe(1_000)
  })

  it.live(
    "an endpoint without getRecentPrioritizationFees does not stop a prepare: the price falls to 0",
    () =>
      Effect.gen(function* () {
        handler = (body, res) => {
          const { id, method } = body as { id: number; method: string }
          const result = (value: unknown) => json(res, 200, { jsonrpc: "2.0", id, result: value })
          if (method === "getLatestBlockhash") {
            return result({
              context: { slot: 1 },
              value: { blockhash: "11111111111111111111111111111111", lastValidBlockHeight: 150 }
            })
          }
          if (method === "simulateTransaction") {
            return result({ context: { slot: 1 }, value: { err: null, logs: [], unitsConsumed: 450 } })
          }
          return rpcError(-32601, "Method not found")(body, res)
        }
        const client = yield* SolanaClient.make({
          ...defaults,
          rpcUrl: url,
          keypair: Redacted.make(secret),
          priorityFee: { _tag: "Auto", maxMicroLamports: 10_000 }
        })
        const transactions = yield* makeTransactions(client)
        const signed = yield* transactions.prepare(
          transferSol(client.umi, { destination: publicKey(client.feePayer), amount: lamports(1n) }),
          { tree: client.feePayer }
        )
        expect(signed).toMatchObject({ microLamports: 0, unitsConsumed: 450, computeUnitLimit: 50_000 })
      })
  )
})

describe("transaction errors", () => {
  const context = {
    feePayer: "Payer1111111111111111111111111111111111111",
    tree: "Tree11111111111111111111111111111111111111",
    accountKeys: ["Payer1111111111111111111111111111111111111", "Rent11111111111111111111111111111111111111"],
    programIds: ["ComputeBudget111111111111111111111111111111", SYSTEM_PROGRAM, BUBBLEGUM_PROGRAM]
  }
  const failedLog = (program: string, why: string) => [
    `Program ${program} invoke [1]`,
    `Program ${program} failed: ${why}`
  ]

  it("an empty or missing fee payer is InsufficientFunds, not retryable", () => {
    for (const err of ["InsufficientFundsForFee", "AccountNotFound"]) {
      const reason = fromTransactionError(err, [], context)
      expect(reason).toMatchObject({ _tag: "InsufficientFunds", account: context.feePayer })
      expect(new ChainError({ reason }).retryable).toBe(false)
    }
    expect(
      fromTransactionError({ InsufficientFundsForRent: { account_index: 1 } }, [], context)
    ).toMatchObject({
      _tag: "InsufficientFunds",
      account: context.accountKeys[1]
    })
  })

  it("Custom(1) of a system transfer is InsufficientFunds", () => {
    const logs = [
      "Transfer: insufficient lamports 5000, need 1000000000",
      ...failedLog(SYSTEM_PROGRAM, "custom program error: 0x1")
    ]
    expect(fromTransactionError({ InstructionError: [1, { Custom: 1 }] }, logs, context)._tag).toBe(
      "InsufficientFunds"
    )
    expect(fromTransactionError({ InstructionError: [1, { Custom: 1 }] }, [], context)._tag).toBe(
      "InsufficientFunds"
    )
  })

  it("a tree out of capacity is TreeFull, whichever program says so", () => {
    const bubblegum = fromTransactionError(
      { InstructionError: [2, { Custom: 6017 }] },
      failedLog(BUBBLEGUM_PROGRAM, "custom program error: 0x1781"),
      context
    )
    expect(bubblegum).toMatchObject({ _tag: "TreeFull", tree: context.tree })
    const compression = fromTransactionError(
      { InstructionError: [2, { Custom: 6001 }] },
      ["Program log: TreeFull", ...failedLog(COMPRESSION_PROGRAM, "custom program error: 0x1771")],
      context
    )
    expect(compression._tag).toBe("TreeFull")
    expect(new ChainError({ reason: compression }).retryable).toBe(false)
  })

  it("Anchor's AccountNotInitialized (0xbc4) on the tree's accounts is TreeMissing, not a permanent failure", () => {
    // As Bubblegum logs it when the chain no longer holds the tree (a local devnet restarted empty).
    const logs = (account: string) => [
      `Program ${BUBBLEGUM_PROGRAM} invoke [1]`,
      "Program log: Instruction: MintV1",
      `Program log: AnchorError caused by account: ${account}. Error Code: AccountNotInitialized. Error Number: 3012. Error Message: The program expected this account to be already initialized.`,
      `Program ${BUBBLEGUM_PROGRAM} failed: custom program error: 0xbc4`
    ]
    for (const account of ["tree_authority", "merkle_tree"]) {
      const reason = fromTransactionError({ InstructionError: [2, { Custom: 3012 }] }, logs(account), context)
      expect(reason).toEqual(expect.objectContaining({ _tag: "TreeMissing", tree: context.tree }))
    }
    // Another account missing (a collection's) is the request's problem.
    expect(
      fromTransactionError({ InstructionError: [2, { Custom: 3012 }] }, logs("collection_metadata"), context)
        ._tag
    ).toBe("ProgramFailed")
    // Without a tree in the transaction there is nothing to replace.
    expect(
      fromTransactionError({ InstructionError: [2, { Custom: 3012 }] }, logs("tree_authority"), {
        ...context,
        tree: undefined
      })._tag
    ).toBe("ProgramFailed")
  })

  it("other program errors are ProgramFailed with the failing program, the code, its name and the logs", () => {
    const logs = [
      `Program ${BUBBLEGUM_PROGRAM} invoke [1]`,
      `Program ${COMPRESSION_PROGRAM} invoke [2]`,
      `Program ${COMPRESSION_PROGRAM} failed: custom program error: 0x1774`,
      `Program ${BUBBLEGUM_PROGRAM} failed: custom program error: 0x1774`
    ]
    const reason = fromTransactionError({ InstructionError: [2, { Custom: 6004 }] }, logs, context)
    expect(reason).toMatchObject({ _tag: "ProgramFailed", program: COMPRESSION_PROGRAM, code: 6004, logs })
    expect(reason._tag === "ProgramFailed" && reason.message).toContain("CanopyLengthMismatch")
    const named = fromTransactionError({ InstructionError: [2, { Custom: 6026 }] }, [], context)
    expect(named).toMatchObject({ _tag: "ProgramFailed", program: BUBBLEGUM_PROGRAM, code: 6026 })
    expect(named._tag === "ProgramFailed" && named.message).toContain("CollectionMustBeSized")
    expect(fromTransactionError({ InstructionError: [2, "InvalidAccountData"] }, [], context)).toMatchObject({
      _tag: "ProgramFailed",
      code: null
    })
  })

  it("a stale blockhash and a busy cluster are retryable; a malformed transaction is not", () => {
    expect(fromTransactionError("BlockhashNotFound", [], context)._tag).toBe("BlockhashNotFound")
    expect(fromTransactionError("AccountInUse", [], context)._tag).toBe("RpcUnavailable")
    expect(fromTransactionError("SanitizeFailure", [], context)._tag).toBe("InvalidRequest")
  })

  it("HTTP statuses, JSON-RPC codes and Retry-After", () => {
    expect(fromHttpStatus("m", 429, "", null)._tag).toBe("RateLimited")
    expect(fromHttpStatus("m", 401, "Unauthorized", null)._tag).toBe("RpcUnavailable")
    expect(fromJsonRpcError("m", { code: -32602, message: "Invalid params" }, context)._tag).toBe(
      "InvalidRequest"
    )
    expect(fromJsonRpcError("m", { code: -32000, message: "Blockhash not found" }, context)._tag).toBe(
      "BlockhashNotFound"
    )
    expect(retryAfterMs("1.5", 0)).toBe(1500)
    expect(retryAfterMs("Thu, 01 Jan 1970 00:00:03 GMT", 1000)).toBe(2000)
    expect(retryAfterMs(null, 0)).toBe(null)
    expect(retryAfterMs("soon", 0)).toBe(null)
  })
})
