// How stored transactions and accounts look in RPC answers (getTransaction's encodings,
// getAccountInfo's data encodings), matching the shapes web3.js validates with superstruct.
import { zstdCompressSync } from "node:zlib"
import { toBase58, toBase64 } from "./Encoding.ts"
import { ErrorCode, invalidParams, RpcError, u64 } from "./JsonRpc.ts"
import { type AccountLookup, parseAccount } from "./ParsedAccount.ts"
import { parsedInstruction } from "./ParsedInstruction.ts"
import type { Commitment } from "./SlotClock.ts"
import { uiTokenAmount } from "./TokenAmount.ts"
import type { TokenBalance, TransactionRecord } from "./TransactionStore.ts"
import { isWritableIndex, type WireTransaction } from "./WireTransaction.ts"

/** Every account reports rent epoch u64::MAX now that rent is no longer collected. */
export const RENT_EXEMPT_RENT_EPOCH = 18446744073709551615n

export interface AccountLike {
  readonly lamports: bigint
  readonly owner: string
  readonly data: Uint8Array
  readonly executable: boolean
}

export type AccountEncoding = "base58" | "base64" | "base64+zstd" | "jsonParsed" | "binary"

export const accountEncodingOf = (value: unknown, fallback: AccountEncoding): AccountEncoding => {
  if (value === undefined || value === null) return fallback
  if (
    value === "base58" ||
    value === "base64" ||
    value === "base64+zstd" ||
    value === "jsonParsed" ||
    value === "binary"
  ) {
    return value
  }
  throw invalidParams(`unsupported account encoding ${JSON.stringify(value)}`)
}

export interface DataSlice {
  readonly offset: number
  readonly length: number
}

export const dataSliceOf = (value: unknown): DataSlice | undefined => {
  if (value === undefined || value === null) return undefined
  const slice = value as { offset?: unknown; length?: unknown }
  if (
    typeof slice.offset !== "number" ||
    typeof slice.length !== "number" ||
    !Number.isSafeInteger(slice.offset) ||
    !Number.isSafeInteger(slice.length) ||
    slice.offset < 0 ||
    slice.length < 0
  ) {
    throw invalidParams("dataSlice needs non-negative integer offset and length")
  }
  return { offset: slice.offset, length: slice.length }
}

const MAX_BASE58_BYTES = 128

export const encodeAccountData = (data: Uint8Array, encoding: AccountEncoding): unknown => {
  switch (encoding) {
    case "binary":
    case "base58":
      if (data.length > MAX_BASE58_BYTES) {
        throw new RpcError(
          ErrorCode.InvalidRequest,
          "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding."
        )
      }
      return encoding === "binary" ? toBase58(data) : [toBase58(data), "base58"]
    case "base64+zstd":
      return [toBase64(zstdCompressSync(data)), "base64+zstd"]
    // Reached only for accounts no parser knows: a validator answers those in base64.
    case "jsonParsed":
    case "base64":
      return [toBase64(data), "base64"]
  }
}

/** What jsonParsed needs beyond the account: its address (sysvars) and other accounts (a mint's decimals). */
export interface ParseContext {
  readonly address: string
  readonly lookup: AccountLookup
}

export const encodeAccount = (
  account: AccountLike,
  encoding: AccountEncoding,
  slice?: DataSlice,
  parsing?: ParseContext
) => {
  // A validator parses whole accounts only; it refuses to parse a slice rather than guess.
  if (encoding === "jsonParsed" && slice) {
    throw new RpcError(
      ErrorCode.InvalidRequest,
      "Sliced account data can only be encoded using binary (base 58) or base64 encoding."
    )
  }
  const data = slice ? account.data.subarray(slice.offset, slice.offset + slice.length) : account.data
  const parsed =
    encoding === "jsonParsed" && parsing
      ? parseAccount({ address: parsing.address, owner: account.owner, data: account.data }, parsing.lookup)
      : undefined
  return {
    data: parsed ?? encodeAccountData(data, encoding),
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: RENT_EXEMPT_RENT_EPOCH,
    space: account.data.length
  }
}

export type TransactionEncoding = "json" | "jsonParsed" | "base64" | "base58"

export const transactionEncodingOf = (value: unknown): TransactionEncoding => {
  if (value === undefined || value === null) return "json"
  if (value === "json" || value === "jsonParsed" || value === "base64" || value === "base58") return value
  throw invalidParams(`unsupported transaction encoding ${JSON.stringify(value)}`)
}

// The block cost model's terms (agave cost-model): per signature, per write lock, per 4 bytes
// of instruction data, plus the compute units the run consumed. The loaded-accounts-data term
// (8 units per 32 KiB loaded) is left out: it would mean reading every program's ELF on each send.
const SIGNATURE_COST = 720n
const WRITE_LOCK_UNITS = 300n
const INSTRUCTION_DATA_BYTES_PER_UNIT = 4

export const costUnitsOf = (record: TransactionRecord): bigint => {
  const tx = record.transaction
  const keyCount =
    tx.staticAccountKeys.length +
    record.loadedAddresses.writable.length +
    record.loadedAddresses.readonly.length
  let writable = 0n
  for (let index = 0; index < keyCount; index++) {
    if (isWritableIndex(tx, index, record.loadedAddresses.writable.length)) writable += 1n
  }
  let dataBytes = 0
  for (const ix of tx.instructions) dataBytes += ix.data.length
  return (
    SIGNATURE_COST * BigInt(tx.signatures.length) +
    WRITE_LOCK_UNITS * writable +
    BigInt(Math.floor(dataBytes / INSTRUCTION_DATA_BYTES_PER_UNIT)) +
    record.computeUnitsConsumed
  )
}

const uiTokenBalance = (balance: TokenBalance) => ({
  accountIndex: balance.accountIndex,
  mint: balance.mint,
  uiTokenAmount: uiTokenAmount(balance.amount, balance.decimals),
  owner: balance.owner,
  programId: balance.programId
})

const statusOf = (record: TransactionRecord) => (record.err === null ? { Ok: null } : { Err: record.err })

const jsonMessage = (tx: WireTransaction) => ({
  accountKeys: tx.staticAccountKeys,
  header: tx.header,
  recentBlockhash: tx.recentBlockhash,
  instructions: tx.instructions.map((ix) => ({
    programIdIndex: ix.programIdIndex,
    accounts: ix.accounts,
    data: toBase58(ix.data),
    stackHeight: null
  })),
  ...(tx.version === 0
    ? {
        addressTableLookups: tx.addressTableLookups.map((lookup) => ({
          accountKey: lookup.accountKey,
          writableIndexes: lookup.writableIndexes,
          readonlyIndexes: lookup.readonlyIndexes
        }))
      }
    : {})
})

// jsonParsed without program parsers: instructions are "partially decoded" (program id and
// account addresses spelled out), which is a shape web3.js's getParsedTransaction accepts.
/** The account keys as jsonParsed spells them out: who signs, who is written, where each came from. */
export const parsedAccountKeys = (record: TransactionRecord) => {
  const tx = record.transaction
  const staticCount = tx.staticAccountKeys.length
  return allKeys(record).map((pubkey, index) => ({
    pubkey,
    signer: index < tx.header.numRequiredSignatures,
    writable: isWritableIndex(tx, index, record.loadedAddresses.writable.length),
    source: index < staticCount ? "transaction" : "lookupTable"
  }))
}

const allKeys = (record: TransactionRecord): string[] => [
  ...record.transaction.staticAccountKeys,
  ...record.loadedAddresses.writable,
  ...record.loadedAddresses.readonly
]

const parsedMessage = (record: TransactionRecord) => {
  const tx = record.transaction
  const keys = allKeys(record)
  return {
    accountKeys: parsedAccountKeys(record),
    recentBlockhash: tx.recentBlockhash,
    instructions: tx.instructions.map((ix) =>
      parsedInstruction(
        keys[ix.programIdIndex]!,
        ix.accounts.map((index) => keys[index]!),
        ix.data,
        null
      )
    ),
    ...(tx.version === 0 ? { addressTableLookups: jsonMessage(tx).addressTableLookups } : {})
  }
}

const encodeMeta = (record: TransactionRecord, encoding: TransactionEncoding) => {
  const keys =
    encoding === "jsonParsed"
      ? [
          ...record.transaction.staticAccountKeys,
          ...record.loadedAddresses.writable,
          ...record.loadedAddresses.readonly
        ]
      : undefined
  return {
    err: record.err,
    status: statusOf(record),
    fee: u64(record.fee),
    preBalances: record.preBalances.map(u64),
    postBalances: record.postBalances.map(u64),
    innerInstructions: record.innerInstructions.map((group) => ({
      index: group.index,
      instructions: group.instructions.map((ix) =>
        keys
          ? parsedInstruction(
              keys[ix.programIdIndex]!,
              ix.accounts.map((index) => keys[index]!),
              ix.data,
              ix.stackHeight
            )
          : {
              programIdIndex: ix.programIdIndex,
              accounts: ix.accounts,
              data: toBase58(ix.data),
              stackHeight: ix.stackHeight
            }
      )
    })),
    logMessages: record.logs,
    preTokenBalances: record.preTokenBalances.map(uiTokenBalance),
    postTokenBalances: record.postTokenBalances.map(uiTokenBalance),
    rewards: [],
    // A validator leaves the loaded addresses out of parsed answers: the parsed account keys
    // already say which came from a lookup table.
    ...(encoding === "jsonParsed" ? {} : { loadedAddresses: record.loadedAddresses }),
    computeUnitsConsumed: u64(record.computeUnitsConsumed),
    costUnits: u64(costUnitsOf(record)),
    ...(record.returnData
      ? {
          returnData: {
            programId: record.returnData.programId,
            data: [toBase64(record.returnData.data), "base64"]
          }
        }
      : {})
  }
}

export interface TransactionViewOptions {
  readonly encoding: TransactionEncoding
  /** undefined: the client only understands legacy transactions. */
  readonly maxSupportedTransactionVersion: number | undefined
}

const checkVersion = (record: TransactionRecord, maxSupportedTransactionVersion: number | undefined) => {
  const tx = record.transaction
  if (tx.version !== "legacy" && (maxSupportedTransactionVersion ?? -1) < tx.version) {
    throw new RpcError(
      ErrorCode.TransactionVersionNotSupported,
      `Transaction version (${tx.version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${tx.version}`
    )
  }
}

/** getBlock's `transactionDetails: "accounts"`: keys and signatures, balances, no instructions. */
export const encodeTransactionAccounts = (record: TransactionRecord, options: TransactionViewOptions) => {
  checkVersion(record, options.maxSupportedTransactionVersion)
  return {
    transaction: { accountKeys: parsedAccountKeys(record), signatures: record.transaction.signatures },
    meta: {
      err: record.err,
      status: statusOf(record),
      fee: u64(record.fee),
      preBalances: record.preBalances.map(u64),
      postBalances: record.postBalances.map(u64),
      preTokenBalances: record.preTokenBalances.map(uiTokenBalance),
      postTokenBalances: record.postTokenBalances.map(uiTokenBalance)
    },
    ...(options.maxSupportedTransactionVersion === undefined ? {} : { version: record.transaction.version })
  }
}

export const encodeTransactionRecord = (record: TransactionRecord, options: TransactionViewOptions) => {
  const tx = record.transaction
  checkVersion(record, options.maxSupportedTransactionVersion)
  const transaction =
    options.encoding === "base64"
      ? [toBase64(tx.bytes), "base64"]
      : options.encoding === "base58"
        ? [toBase58(tx.bytes), "base58"]
        : {
            signatures: tx.signatures,
            message: options.encoding === "jsonParsed" ? parsedMessage(record) : jsonMessage(tx)
          }
  return {
    slot: record.slot,
    blockTime: record.blockTime,
    transaction,
    meta: encodeMeta(record, options.encoding),
    ...(options.maxSupportedTransactionVersion === undefined ? {} : { version: tx.version })
  }
}

/** getTransaction and getSignaturesForAddress refuse `processed`, like a validator. */
export const atLeastConfirmed = (commitment: Commitment): Commitment => {
  if (commitment === "processed") throw invalidParams("Method does not support commitment below `confirmed`")
  return commitment
}
