// Block queries: getBlock (with transactionDetails, rewards, encodings), getBlocks,
// getBlocksWithLimit, plus getSupply and getStakeMinimumDelegation. Every slot the devnet opened
// is a block; after a restart from a ledger, older empty slots read as skipped.

import type { Address } from "@solana/kit"
import type { LiteSVM } from "litesvm"
import {
  commitmentOf,
  configAt,
  ErrorCode,
  integerAt,
  invalidParams,
  type MethodHandler,
  optionalBoolean,
  optionalInteger,
  RpcError
} from "./JsonRpc.ts"
import type { Commitment, SlotClock } from "./SlotClock.ts"
import type { TransactionStore } from "./TransactionStore.ts"
import {
  atLeastConfirmed,
  encodeTransactionAccounts,
  encodeTransactionRecord,
  transactionEncodingOf
} from "./TransactionView.ts"

const MAX_GET_BLOCKS_RANGE = 500_000
const DEFAULT_BLOCKHASH = "11111111111111111111111111111111"
/** What solana-test-validator answers: every feature is active there, the 1 SOL minimum among them. */
const STAKE_MINIMUM_DELEGATION = 1_000_000_000n

export interface BlockContext {
  readonly svm: LiteSVM
  readonly clock: SlotClock
  readonly store: TransactionStore
  readonly withContext: (slot: number, value: unknown) => unknown
  readonly contextSlot: (config: Record<string, unknown>, commitment: Commitment) => number
  /** Every address the devnet has seen (named by a transaction, funded, or loaded). */
  readonly knownAddresses: () => Iterable<string>
}

type TransactionDetails = "full" | "accounts" | "signatures" | "none"

const detailsOf = (value: unknown): TransactionDetails => {
  if (value === undefined || value === null) return "full"
  if (value === "full" || value === "accounts" || value === "signatures" || value === "none") return value
  throw invalidParams(
    `unknown variant \`${String(value)}\`, expected one of \`full\`, \`accounts\`, \`signatures\`, \`none\``
  )
}

export const makeBlockMethods = (ctx: BlockContext): Record<string, MethodHandler> => {
  const { clock, store } = ctx

  const blockNotAvailable = (slot: number) =>
    new RpcError(ErrorCode.BlockNotAvailable, `Block not available for slot ${slot}`)

  /** The nearest block before a slot, for parentSlot and previousBlockhash. */
  const parentOf = (slot: number) => {
    for (let parent = slot - 1; parent >= clock.firstSlot; parent--) {
      const info = clock.info(parent)
      if (info) return info
    }
    return undefined
  }

  return {
    getBlock: (params) => {
      const slot = integerAt(params, 0, "slot")
      // The second parameter used to be the encoding alone.
      const config = typeof params[1] === "string" ? { encoding: params[1] } : configAt(params, 1)
      const commitment = atLeastConfirmed(commitmentOf(config))
      const encoding = transactionEncodingOf(config.encoding)
      const details = detailsOf(config.transactionDetails)
      const rewards = optionalBoolean(config, "rewards", true)
      const maxSupportedTransactionVersion = optionalInteger(config, "maxSupportedTransactionVersion")
      if (!clock.reached(slot, commitment)) throw blockNotAvailable(slot)
      const info = clock.info(slot)
      if (!info) {
        if (slot < clock.firstSlot) throw blockNotAvailable(slot)
        throw new RpcError(
          ErrorCode.SlotSkipped,
          `Slot ${slot} was skipped, or missing due to ledger jump to recent snapshot`
        )
      }
      const parent = parentOf(slot)
      const records = store.inSlot(slot)
      const options = { encoding, maxSupportedTransactionVersion }
      const body =
        details === "full"
          ? {
              transactions: records.map((record) => {
                const {
                  slot: _slot,
                  blockTime: _blockTime,
                  ...entry
                } = encodeTransactionRecord(record, options)
                return entry
              })
            }
          : details === "accounts"
            ? { transactions: records.map((record) => encodeTransactionAccounts(record, options)) }
            : details === "signatures"
              ? { signatures: records.map((record) => record.signature) }
              : {}
      return {
        blockHeight: info.blockHeight,
        blockTime: info.unixTimestamp,
        blockhash: info.blockhash,
        parentSlot: parent?.slot ?? slot,
        previousBlockhash: parent?.blockhash ?? DEFAULT_BLOCKHASH,
        ...body,
        ...(rewards ? { rewards: [] } : {})
      }
    },

    getBlocks: (params) => {
      const start = integerAt(params, 0, "start slot")
      // The end slot is optional; a config object may stand in its place.
      const hasEnd = typeof params[1] === "number"
      const end = hasEnd ? integerAt(params, 1, "end slot") : undefined
      const config = configAt(params, hasEnd ? 2 : 1)
      const commitment = atLeastConfirmed(commitmentOf(config))
      const last = Math.min(end ?? Number.MAX_SAFE_INTEGER, clock.reachedUpTo(commitment))
      if (end !== undefined && end - start > MAX_GET_BLOCKS_RANGE) {
        throw invalidParams(`Slot range too large; max ${MAX_GET_BLOCKS_RANGE}`)
      }
      return clock.blocksBetween(start, Math.min(last, start + MAX_GET_BLOCKS_RANGE))
    },

    getBlocksWithLimit: (params) => {
      const start = integerAt(params, 0, "start slot")
      const limit = integerAt(params, 1, "limit")
      if (limit > MAX_GET_BLOCKS_RANGE) throw invalidParams(`Limit too large; max ${MAX_GET_BLOCKS_RANGE}`)
      const config = configAt(params, 2)
      const commitment = atLeastConfirmed(commitmentOf(config))
      return clock.blocksBetween(start, clock.reachedUpTo(commitment)).slice(0, limit)
    },

    getSupply: (params) => {
      const config = configAt(params, 0)
      const slot = ctx.contextSlot(config, commitmentOf(config))
      let total = 0n
      for (const address of ctx.knownAddresses()) total += ctx.svm.getBalance(address as Address) ?? 0n
      return ctx.withContext(slot, {
        total,
        circulating: total,
        nonCirculating: 0n,
        nonCirculatingAccounts: []
      })
    },

    getStakeMinimumDelegation: (params) => {
      const config = configAt(params, 0)
      const slot = ctx.contextSlot(config, commitmentOf(config))
      return ctx.withContext(slot, STAKE_MINIMUM_DELEGATION)
    }
  }
}
