// The HTTP JSON-RPC methods, with the parameters, defaults, errors and answer shapes of an
// Agave validator, over LiteSVM state. Account reads always see the latest state: LiteSVM keeps
// no per-slot snapshots, so only slots, blockhashes and transaction visibility follow commitment.
import type { Address } from "@solana/kit"
import type { LiteSVM } from "litesvm"
import { makeBlockMethods } from "./BlockMethods.ts"
import { fromBase58, fromBase64, isAddress, isBase58, toBase58, toBase64 } from "./Encoding.ts"
import type { Faucet } from "./Faucet.ts"
import { feeFor } from "./Fees.ts"
import {
  commitmentOf,
  configAt,
  ErrorCode,
  integerAt,
  invalidParams,
  type MethodHandler,
  optionalBoolean,
  optionalInteger,
  optionalString,
  RpcError,
  stringAt
} from "./JsonRpc.ts"
import { memoOf } from "./ParsedInstruction.ts"
import { programAccountFilters } from "./ProgramAccountFilters.ts"
import type { Commitment, SlotClock } from "./SlotClock.ts"
import { makeTokenMethods } from "./TokenMethods.ts"
import type { SimulationResult, TransactionProcessor } from "./TransactionProcessor.ts"
import { allAccountKeys, type TransactionStore } from "./TransactionStore.ts"
import {
  type AccountEncoding,
  type AccountLike,
  accountEncodingOf,
  atLeastConfirmed,
  dataSliceOf,
  encodeAccount,
  encodeTransactionRecord,
  transactionEncodingOf
} from "./TransactionView.ts"
import {
  parseWireMessage,
  parseWireTransaction,
  WireFormatError,
  type WireTransaction
} from "./WireTransaction.ts"

/** What a status query without searchTransactionHistory can still see (the status cache). */
const STATUS_CACHE_SLOTS = 300
const MAX_SIGNATURE_STATUSES = 256
const MAX_MULTIPLE_ACCOUNTS = 100
const MAX_SIGNATURES_FOR_ADDRESS = 1000
const MAX_PRIORITIZATION_FEE_ACCOUNTS = 128

export interface RpcContext {
  readonly svm: LiteSVM
  readonly clock: SlotClock
  readonly store: TransactionStore
  readonly processor: TransactionProcessor
  readonly faucet: Faucet
  readonly genesisHash: string
  readonly version: { readonly "solana-core": string; readonly "feature-set": number }
  /** Every address the devnet has seen (named by a transaction, funded, or loaded), for getSupply. */
  readonly knownAddresses: () => Iterable<string>
}

export const readAccount = (svm: LiteSVM, address: string): AccountLike | null => {
  const account = svm.getAccount(address as Address)
  if (!account.exists) return null
  return {
    lamports: account.lamports,
    owner: account.programAddress,
    data: account.data as Uint8Array,
    executable: account.executable
  }
}

const addressAt = (params: ReadonlyArray<unknown>, index: number): string => {
  const value = params[index]
  if (!isAddress(value)) throw invalidParams("Invalid param: WrongSize")
  return value
}

const signatureString = (value: unknown): string => {
  if (typeof value !== "string" || !isBase58(value) || fromBase58(value).length !== 64) {
    throw invalidParams("Invalid param: WrongSize")
  }
  return value
}

const decodeTransaction = (encoded: string, encoding: string | undefined): WireTransaction => {
  let bytes: Uint8Array
  if (encoding === undefined || encoding === "base58") {
    if (!isBase58(encoded)) throw invalidParams("invalid base58 encoding")
    bytes = fromBase58(encoded)
  } else if (encoding === "base64") {
    try {
      bytes = fromBase64(encoded)
    } catch {
      throw invalidParams("invalid base64 encoding")
    }
  } else {
    throw invalidParams(`unsupported encoding: ${encoding}. Supported encodings: base58, base64`)
  }
  try {
    return parseWireTransaction(bytes)
  } catch (error) {
    if (error instanceof WireFormatError) {
      throw invalidParams(
        `failed to deserialize solana_transaction::versioned::VersionedTransaction: ${error.message}`
      )
    }
    throw error
  }
}

export const makeRpcMethods = (ctx: RpcContext): Record<string, MethodHandler> => {
  const { svm, clock, store, processor } = ctx

  /** The slot a request is answered at, refusing one that asks for a later minimum. */
  const contextSlot = (config: Record<string, unknown>, commitment: Commitment): number => {
    const slot = clock.slotAt(commitment)
    const minContextSlot = optionalInteger(config, "minContextSlot")
    if (minContextSlot !== undefined && minContextSlot > slot) {
      throw new RpcError(ErrorCode.MinContextSlotNotReached, "Minimum context slot has not been reached", {
        contextSlot: slot
      })
    }
    return slot
  }

  const withContext = (slot: number, value: unknown) => ({
    context: { apiVersion: ctx.version["solana-core"], slot },
    value
  })

  const lookup = (address: string) => readAccount(svm, address)

  const accountAnswer = (address: string, encoding: AccountEncoding, config: Record<string, unknown>) => {
    const account = readAccount(svm, address)
    return account === null
      ? null
      : encodeAccount(account, encoding, dataSliceOf(config.dataSlice), { address, lookup })
  }

  const simulationValue = (simulation: SimulationResult, extra: Record<string, unknown>) => ({
    err: simulation.err?.json ?? null,
    logs: simulation.logs,
    accounts: null,
    unitsConsumed: simulation.computeUnitsConsumed,
    returnData: simulation.returnData
      ? { programId: simulation.returnData.programId, data: [toBase64(simulation.returnData.data), "base64"] }
      : null,
    innerInstructions: null,
    replacementBlockhash: null,
    fee: simulation.fee,
    ...extra
  })

  const methods: Record<string, MethodHandler> = {
    ...makeBlockMethods({ svm, clock, store, withContext, contextSlot, knownAddresses: ctx.knownAddresses }),
    ...makeTokenMethods({ svm, withContext, contextSlot, readAccount: lookup }),

    getHealth: () => "ok",

    getVersion: () => ctx.version,

    getGenesisHash: () => ctx.genesisHash,

    getIdentity: () => ({ identity: ctx.faucet.address }),

    getSlot: (params) => {
      const config = configAt(params, 0)
      return contextSlot(config, commitmentOf(config))
    },

    getBlockHeight: (params) => {
      const config = configAt(params, 0)
      const commitment = commitmentOf(config)
      contextSlot(config, commitment)
      return clock.blockHeightAt(commitment)
    },

    getEpochInfo: (params) => {
      const config = configAt(params, 0)
      const slot = contextSlot(config, commitmentOf(config))
      const { epoch, slotIndex, slotsInEpoch } = clock.epochInfo(slot)
      return {
        absoluteSlot: slot,
        blockHeight: clock.info(slot)!.blockHeight,
        epoch,
        slotIndex,
        slotsInEpoch,
        transactionCount: store.size
      }
    },

    getEpochSchedule: () => {
      const schedule = svm.getEpochSchedule()
      return {
        firstNormalEpoch: Number(schedule.firstNormalEpoch),
        firstNormalSlot: Number(schedule.firstNormalSlot),
        leaderScheduleSlotOffset: Number(schedule.leaderScheduleSlotOffset),
        slotsPerEpoch: Number(schedule.slotsPerEpoch),
        warmup: schedule.warmup
      }
    },

    getTransactionCount: (params) => {
      const config = configAt(params, 0)
      contextSlot(config, commitmentOf(config))
      return store.size
    },

    getFirstAvailableBlock: () => clock.firstSlot,

    minimumLedgerSlot: () => clock.firstSlot,

    getBlockTime: (params) => {
      const slot = integerAt(params, 0, "slot")
      const info = clock.reached(slot, "confirmed") ? clock.info(slot) : undefined
      if (!info) throw new RpcError(ErrorCode.BlockNotAvailable, `Block not available for slot ${slot}`)
      return info.unixTimestamp
    },

    getLatestBlockhash: (params) => {
      const config = configAt(params, 0)
      const commitment = commitmentOf(config)
      const slot = contextSlot(config, commitment)
      const { blockhash, lastValidBlockHeight } = clock.latestBlockhash(commitment)
      return withContext(slot, { blockhash, lastValidBlockHeight })
    },

    isBlockhashValid: (params) => {
      const blockhash = stringAt(params, 0, "blockhash")
      if (!isAddress(blockhash)) throw invalidParams("Invalid param: WrongSize")
      const config = configAt(params, 1)
      const slot = contextSlot(config, commitmentOf(config))
      return withContext(slot, clock.isBlockhashValid(blockhash))
    },

    getFeeForMessage: (params) => {
      const encoded = stringAt(params, 0, "message")
      const config = configAt(params, 1)
      const slot = contextSlot(config, commitmentOf(config))
      let message: ReturnType<typeof parseWireMessage>
      try {
        message = parseWireMessage(fromBase64(encoded))
      } catch (error) {
        throw invalidParams(`invalid message: ${error instanceof Error ? error.message : String(error)}`)
      }
      return withContext(slot, clock.isBlockhashValid(message.recentBlockhash) ? feeFor(message) : null)
    },

    getRecentPrioritizationFees: (params) => {
      const raw = params[0] ?? []
      if (!Array.isArray(raw) || !raw.every(isAddress))
        throw invalidParams("expected an array of account addresses")
      if (raw.length > MAX_PRIORITIZATION_FEE_ACCOUNTS) {
        throw invalidParams(`Too many inputs provided; max ${MAX_PRIORITIZATION_FEE_ACCOUNTS}`)
      }
      const accounts = raw as string[]
      return clock.recentSlots().map((info) => {
        const fees = info.priorityFees ?? []
        const min = (list: ReadonlyArray<{ microLamports: bigint }>): bigint => {
          let low: bigint | undefined
          for (const { microLamports } of list)
            if (low === undefined || microLamports < low) low = microLamports
          return low ?? 0n
        }
        // A validator reports, per slot, the larger of the block's minimum fee and the minimum fee
        // paid by transactions writing each requested account.
        let fee = min(fees)
        for (const account of accounts) {
          const accountMin = min(fees.filter((entry) => entry.writable.includes(account)))
          if (accountMin > fee) fee = accountMin
        }
        return { slot: info.slot, prioritizationFee: fee }
      })
    },

    getMinimumBalanceForRentExemption: (params) => {
      const length = integerAt(params, 0, "data length")
      return svm.minimumBalanceForRentExemption(BigInt(length))
    },

    getBalance: (params) => {
      const address = addressAt(params, 0)
      const config = configAt(params, 1)
      const slot = contextSlot(config, commitmentOf(config))
      return withContext(slot, svm.getBalance(address as Address) ?? 0n)
    },

    getAccountInfo: (params) => {
      const address = addressAt(params, 0)
      const config = configAt(params, 1)
      const slot = contextSlot(config, commitmentOf(config))
      // Without an encoding a validator answers the legacy "binary" form: a bare base58 string.
      const encoding = accountEncodingOf(config.encoding, "binary")
      return withContext(slot, accountAnswer(address, encoding, config))
    },

    getMultipleAccounts: (params) => {
      const addresses = params[0]
      if (!Array.isArray(addresses)) throw invalidParams("expected an array of account addresses")
      if (addresses.length > MAX_MULTIPLE_ACCOUNTS) {
        throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`)
      }
      if (!addresses.every(isAddress)) throw invalidParams("Invalid param: WrongSize")
      const config = configAt(params, 1)
      const slot = contextSlot(config, commitmentOf(config))
      const encoding = accountEncodingOf(config.encoding, "base64")
      return withContext(
        slot,
        (addresses as string[]).map((address) => accountAnswer(address, encoding, config))
      )
    },

    getProgramAccounts: (params) => {
      const program = addressAt(params, 0)
      const config = configAt(params, 1)
      const slot = contextSlot(config, commitmentOf(config))
      const encoding = accountEncodingOf(config.encoding, "binary")
      const slice = dataSliceOf(config.dataSlice)
      const filters = programAccountFilters(config.filters)
      const result = svm
        .getProgramAccounts(program as Address)
        .filter((account) => filters.every((matches) => matches(account.data as Uint8Array)))
        .map((account) => ({
          pubkey: account.address,
          account: encodeAccount(
            {
              lamports: account.lamports,
              owner: account.programAddress,
              data: account.data as Uint8Array,
              executable: account.executable
            },
            encoding,
            slice,
            { address: account.address, lookup }
          )
        }))
      return optionalBoolean(config, "withContext", false) ? withContext(slot, result) : result
    },

    requestAirdrop: (params) => {
      const address = addressAt(params, 0)
      const lamports = integerAt(params, 1, "lamports")
      const result = ctx.faucet.airdrop(address, BigInt(lamports))
      if (result.kind === "landed" || result.kind === "dropped") {
        return result.kind === "landed" ? result.record.signature : result.signature
      }
      throw new RpcError(ErrorCode.InternalError, "Internal error: airdrop transaction was rejected")
    },

    sendTransaction: (params) => {
      const encoded = stringAt(params, 0, "transaction")
      const config = configAt(params, 1)
      const tx = decodeTransaction(encoded, optionalString(config, "encoding"))
      const skipPreflight = optionalBoolean(config, "skipPreflight", false)
      if (!skipPreflight) contextSlot(config, commitmentOf(config, "finalized"))
      const result = processor.send(tx, { skipPreflight })
      switch (result.kind) {
        case "landed":
          return result.record.signature
        case "dropped":
          return result.signature
        case "signatureFailure":
          throw new RpcError(
            ErrorCode.TransactionSignatureVerificationFailure,
            "Transaction signature verification failure"
          )
        case "preflightFailed":
          throw new RpcError(
            ErrorCode.SendTransactionPreflightFailure,
            `Transaction simulation failed: ${result.simulation.err!.message}`,
            simulationValue(result.simulation, {})
          )
      }
    },

    simulateTransaction: (params) => {
      const encoded = stringAt(params, 0, "transaction")
      const config = configAt(params, 1)
      const tx = decodeTransaction(encoded, optionalString(config, "encoding"))
      const sigVerify = optionalBoolean(config, "sigVerify", false)
      const replaceRecentBlockhash = optionalBoolean(config, "replaceRecentBlockhash", false)
      if (sigVerify && replaceRecentBlockhash) {
        throw invalidParams("sigVerify may not be used with replaceRecentBlockhash")
      }
      const commitment = commitmentOf(config)
      const slot = contextSlot(config, commitment)
      const simulation = processor.simulate(tx, { sigVerify, replaceRecentBlockhash })
      if (simulation === "signatureFailure") {
        throw new RpcError(
          ErrorCode.TransactionSignatureVerificationFailure,
          "Transaction signature verification failure"
        )
      }
      const extra: Record<string, unknown> = {}
      if (replaceRecentBlockhash) {
        const { blockhash, lastValidBlockHeight } = clock.latestBlockhash(commitment)
        extra.replacementBlockhash = { blockhash, lastValidBlockHeight }
      }
      const accountsConfig = config.accounts as { addresses?: unknown; encoding?: unknown } | undefined | null
      if (accountsConfig) {
        const addresses = accountsConfig.addresses
        if (!Array.isArray(addresses) || !addresses.every(isAddress)) {
          throw invalidParams("accounts.addresses must be an array of account addresses")
        }
        const encoding = accountEncodingOf(accountsConfig.encoding, "base64")
        extra.accounts = (addresses as string[]).map((address) => {
          if (simulation.err) return null
          const post = simulation.postAccount(address) ?? readAccount(svm, address)
          return post === null ? null : encodeAccount(post, encoding, undefined, { address, lookup })
        })
      }
      if (optionalBoolean(config, "innerInstructions", false)) {
        const keys = [
          ...tx.staticAccountKeys,
          ...simulation.loadedAddresses.writable,
          ...simulation.loadedAddresses.readonly
        ]
        extra.innerInstructions = simulation.innerInstructions.map((group) => ({
          index: group.index,
          instructions: group.instructions.map((ix) => ({
            programId: keys[ix.programIdIndex],
            accounts: ix.accounts.map((index) => keys[index]),
            data: toBase58(ix.data),
            stackHeight: ix.stackHeight
          }))
        }))
      }
      return withContext(slot, simulationValue(simulation, extra))
    },

    getSignatureStatuses: (params) => {
      const signatures = params[0]
      if (!Array.isArray(signatures)) throw invalidParams("expected an array of signatures")
      if (signatures.length > MAX_SIGNATURE_STATUSES) {
        throw invalidParams(`Too many inputs provided; max ${MAX_SIGNATURE_STATUSES}`)
      }
      const config = configAt(params, 1)
      const searchHistory = optionalBoolean(config, "searchTransactionHistory", false)
      const oldestInCache = clock.slot - STATUS_CACHE_SLOTS
      const value = signatures.map((raw) => {
        const record = store.get(signatureString(raw))
        if (!record || (!searchHistory && record.slot < oldestInCache)) return null
        const confirmationStatus = clock.commitmentOf(record.slot)
        return {
          slot: record.slot,
          confirmations: confirmationStatus === "finalized" ? null : clock.slot - record.slot,
          err: record.err,
          status: record.err === null ? { Ok: null } : { Err: record.err },
          confirmationStatus
        }
      })
      return withContext(clock.slot, value)
    },

    getTransaction: (params) => {
      const signature = signatureString(params[0])
      // The second parameter used to be the encoding alone.
      const config = typeof params[1] === "string" ? { encoding: params[1] } : configAt(params, 1)
      const commitment = atLeastConfirmed(commitmentOf(config))
      const encoding = transactionEncodingOf(config.encoding)
      const maxSupportedTransactionVersion = optionalInteger(config, "maxSupportedTransactionVersion")
      const record = store.get(signature)
      if (!record || !clock.reached(record.slot, commitment)) return null
      return encodeTransactionRecord(record, { encoding, maxSupportedTransactionVersion })
    },

    getSignaturesForAddress: (params) => {
      const address = addressAt(params, 0)
      const config = configAt(params, 1)
      const commitment = atLeastConfirmed(commitmentOf(config))
      contextSlot(config, commitment)
      const maxSlot = clock.reachedUpTo(commitment)
      const limit = optionalInteger(config, "limit") ?? MAX_SIGNATURES_FOR_ADDRESS
      if (limit < 1 || limit > MAX_SIGNATURES_FOR_ADDRESS) {
        throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES_FOR_ADDRESS}`)
      }
      const before =
        config.before === undefined || config.before === null ? undefined : signatureString(config.before)
      const until =
        config.until === undefined || config.until === null ? undefined : signatureString(config.until)
      return store.signaturesForAddress(address, { before, until, limit, maxSlot }).map((record) => ({
        signature: record.signature,
        slot: record.slot,
        err: record.err,
        memo: memoOf(record.transaction.instructions, allAccountKeys(record)),
        blockTime: record.blockTime,
        confirmationStatus: clock.commitmentOf(record.slot)
      }))
    }
  }
  return methods
}
