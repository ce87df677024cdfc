// Sends and simulates wire transactions on LiteSVM with the checks a validator makes around
// execution: blockhash age against the SlotClock (LiteSVM itself only knows its latest hash),
// the status cache (AlreadyProcessed), signature verification, and fee-only failures, which land
// and are stored while failures that never paid a fee are dropped.
import type { Address } from "@solana/kit"
import { getTransactionDecoder, type Transaction } from "@solana/kit"
import type { FailedTransactionMetadata, LiteSVM, TransactionMetadata } from "litesvm"
import { toBase58 } from "./Encoding.ts"
import { computeBudgetOf, feeFor } from "./Fees.ts"
import { makeNativeSvm, type NativeSvm } from "./NativeSvm.ts"
import type { SlotClock } from "./SlotClock.ts"
import { isTokenProgram, kindOf, readMint, readTokenAccount } from "./TokenLayout.ts"
import {
  alreadyProcessed,
  blockhashNotFound,
  type DescribedError,
  describeTransactionError,
  errorName
} from "./TransactionErrors.ts"
import type {
  InnerInstructions,
  LoadedAddresses,
  TokenBalance,
  TransactionRecord,
  TransactionStore
} from "./TransactionStore.ts"
import {
  isWritableIndex,
  parseWireTransaction,
  verifySignatures,
  type WireTransaction
} from "./WireTransaction.ts"

const ADDRESS_LOOKUP_TABLE_PROGRAM = "AddressLookupTab1e1111111111111111111111111"
const LOOKUP_TABLE_META_SIZE = 56

export interface AccountSnapshot {
  readonly lamports: bigint
  readonly owner: string
  readonly data: Uint8Array
  readonly executable: boolean
}

export interface SimulationResult {
  readonly signature: string
  readonly err: DescribedError | null
  readonly logs: ReadonlyArray<string>
  readonly computeUnitsConsumed: bigint
  readonly fee: bigint
  readonly returnData: TransactionRecord["returnData"]
  readonly innerInstructions: ReadonlyArray<InnerInstructions>
  readonly transaction: WireTransaction
  readonly loadedAddresses: LoadedAddresses
  /**
   * An account's state after the run (only when it ran without error). Built on first use:
   * converting every post-state account (a 30 KB tree among them) on each preflight was a
   * measurable share of a send, and only simulateTransaction's `accounts` option reads them.
   */
  postAccount(address: string): AccountSnapshot | undefined
}

export type SendResult =
  | { readonly kind: "landed"; readonly record: TransactionRecord }
  /** Accepted by the RPC but never landed (no fee was paid), as a validator drops such a tx. */
  | { readonly kind: "dropped"; readonly signature: string; readonly reason: DescribedError }
  | { readonly kind: "preflightFailed"; readonly simulation: SimulationResult }
  | { readonly kind: "signatureFailure"; readonly signature: string }

export interface SimulateOptions {
  readonly sigVerify: boolean
  readonly replaceRecentBlockhash: boolean
}

export class TransactionProcessor {
  private readonly svm: LiteSVM
  private readonly native: NativeSvm
  private readonly clock: SlotClock
  private readonly store: TransactionStore
  private readonly maxTransactionsPerSlot: number
  private readonly landedListeners = new Set<(record: TransactionRecord) => void>()
  private readonly decoder = getTransactionDecoder()

  constructor(svm: LiteSVM, clock: SlotClock, store: TransactionStore, maxTransactionsPerSlot: number) {
    this.svm = svm
    this.native = makeNativeSvm(svm)
    this.clock = clock
    this.store = store
    this.maxTransactionsPerSlot = maxTransactionsPerSlot
  }

  onLanded(listener: (record: TransactionRecord) => void): () => void {
    this.landedListeners.add(listener)
    return () => this.landedListeners.delete(listener)
  }

  /** Throws WireFormatError for bytes that are not a transaction. */
  parse(bytes: Uint8Array): WireTransaction {
    return parseWireTransaction(bytes)
  }

  /** A validator checks the blockhash age first, then its status cache. */
  private admissionError(tx: WireTransaction): DescribedError | null {
    if (!this.clock.isBlockhashValid(tx.recentBlockhash)) return blockhashNotFound()
    if (this.store.has(tx.signature)) return alreadyProcessed()
    return null
  }

  simulate(tx: WireTransaction, options: SimulateOptions): SimulationResult | "signatureFailure" {
    const loadedAddresses = this.loadedAddresses(tx)
    const base = {
      signature: tx.signature,
      transaction: tx,
      loadedAddresses,
      fee: feeFor(tx),
      logs: [],
      computeUnitsConsumed: 0n,
      returnData: null,
      innerInstructions: [],
      postAccount: (_address: string): AccountSnapshot | undefined => undefined
    }
    const admission = options.replaceRecentBlockhash
      ? this.store.has(tx.signature)
        ? alreadyProcessed()
        : null
      : this.admissionError(tx)
    if (admission) {
      if (options.sigVerify && !verifySignatures(tx)) return "signatureFailure"
      return { ...base, err: admission }
    }
    this.svm.withSigverify(options.sigVerify)
    let outcome: ReturnType<LiteSVM["simulateTransaction"]>
    try {
      outcome = this.native.simulate(tx, () => this.toKit(tx))
    } catch {
      // @solana/kit refuses to pass on a transaction with an empty signature slot.
      return "signatureFailure"
    } finally {
      // Sends always verify signatures; only a simulation may skip it.
      this.svm.withSigverify(true)
    }
    if ("err" in outcome) {
      const err = describeTransactionError(outcome.err())
      if (errorName(err.json) === "SignatureFailure") return "signatureFailure"
      return { ...base, ...this.metaFields(outcome.meta()), err }
    }
    let postAccounts: Map<string, AccountSnapshot> | undefined
    const postAccount = (address: string): AccountSnapshot | undefined => {
      if (!postAccounts) {
        postAccounts = new Map()
        for (const account of outcome.postAccounts()) {
          postAccounts.set(account.address, {
            lamports: account.lamports,
            owner: account.programAddress,
            data: account.data as Uint8Array,
            executable: account.executable
          })
        }
      }
      return postAccounts.get(address)
    }
    return { ...base, ...this.metaFields(outcome.meta()), err: null, postAccount }
  }

  send(tx: WireTransaction, options: { readonly skipPreflight: boolean }): SendResult {
    if (!options.skipPreflight) {
      const simulation = this.simulate(tx, { sigVerify: true, replaceRecentBlockhash: false })
      if (simulation === "signatureFailure") return { kind: "signatureFailure", signature: tx.signature }
      if (simulation.err) return { kind: "preflightFailed", simulation }
    }
    const admission = this.admissionError(tx)
    if (admission) {
      // The RPC checks signatures (even without preflight) before the bank looks at the
      // blockhash or its status cache. LiteSVM verifies them natively on every other path.
      if (!verifySignatures(tx)) return { kind: "signatureFailure", signature: tx.signature }
      return { kind: "dropped", signature: tx.signature, reason: admission }
    }

    const loadedAddresses = this.loadedAddresses(tx)
    const keys = [...tx.staticAccountKeys, ...loadedAddresses.writable, ...loadedAddresses.readonly]
    // Reading whole accounts costs twice a balance read (a Bubblegum mint's tree is 30 KB), so
    // token balances are looked for only when a token program is among the keys.
    const withTokens = keys.some(isTokenProgram)
    const pre = this.balances(keys, withTokens)
    let outcome: TransactionMetadata | FailedTransactionMetadata
    try {
      outcome = this.native.send(tx, () => this.toKit(tx))
    } catch {
      return { kind: "signatureFailure", signature: tx.signature }
    }
    // Only writable accounts can change: the runtime refuses any change to a read-only one.
    const writableIndexes = keys.flatMap((_, index) =>
      isWritableIndex(tx, index, loadedAddresses.writable.length) ? [index] : []
    )
    const post = this.balances(keys, withTokens, writableIndexes, pre)
    const preBalances = pre.lamports
    const postBalances = post.lamports
    const failed = "err" in outcome ? describeTransactionError(outcome.err()) : null
    if (failed && errorName(failed.json) === "SignatureFailure") {
      return { kind: "signatureFailure", signature: tx.signature }
    }
    // A failed transaction lands only if it got as far as paying its fee.
    if (failed && !(postBalances[0]! < preBalances[0]!)) {
      return { kind: "dropped", signature: tx.signature, reason: failed }
    }
    const meta = "err" in outcome ? outcome.meta() : outcome
    const slotInfo = this.clock.info(this.clock.slot)!
    const record = this.store.add({
      signature: tx.signature,
      slot: slotInfo.slot,
      blockTime: slotInfo.unixTimestamp,
      transaction: tx,
      loadedAddresses,
      err: failed?.json ?? null,
      fee: feeFor(tx),
      preBalances,
      postBalances,
      preTokenBalances: pre.tokens,
      postTokenBalances: post.tokens,
      ...this.metaFields(meta)
    })
    const writable = writableIndexes.map((index) => keys[index]!)
    const countInSlot = this.clock.noteTransaction(
      computeBudgetOf(tx).computeUnitPriceMicroLamports,
      writable
    )
    for (const listener of this.landedListeners) listener(record)
    // A block holds only so many transactions; a burst fills blocks faster than the timer.
    if (countInSlot >= this.maxTransactionsPerSlot) this.clock.advance()
    return { kind: "landed", record }
  }

  /** Lamports of every key and, with `withTokens`, the balance of each that is a token account. */
  private balances(
    keys: ReadonlyArray<string>,
    withTokens: boolean,
    /** Read only these keys again; the others keep their values from `before`. */
    changed?: ReadonlyArray<number>,
    before?: { readonly lamports: ReadonlyArray<bigint>; readonly tokens: ReadonlyArray<TokenBalance> }
  ): { lamports: bigint[]; tokens: TokenBalance[] } {
    if (changed && before) {
      const lamports = [...before.lamports]
      const isChanged = new Set(changed)
      const tokens = before.tokens.filter((balance) => !isChanged.has(balance.accountIndex))
      const reread = this.balances(
        changed.map((index) => keys[index]!),
        withTokens
      )
      changed.forEach((index, i) => {
        lamports[index] = reread.lamports[i]!
      })
      for (const balance of reread.tokens)
        tokens.push({ ...balance, accountIndex: changed[balance.accountIndex]! })
      tokens.sort((a, b) => a.accountIndex - b.accountIndex)
      return { lamports, tokens }
    }
    if (!withTokens) return { lamports: keys.map((key) => this.native.balance(key) ?? 0n), tokens: [] }
    const lamports: bigint[] = []
    const tokens: TokenBalance[] = []
    keys.forEach((key, accountIndex) => {
      const account = this.svm.getAccount(key as Address)
      if (!account.exists) {
        lamports.push(0n)
        return
      }
      lamports.push(account.lamports)
      const owner = account.programAddress
      if (!isTokenProgram(owner) || kindOf(account.data as Uint8Array) !== "account") return
      const state = readTokenAccount(account.data as Uint8Array)
      const decimals = this.decimalsOf(state.mint)
      if (decimals === undefined) return
      tokens.push({
        accountIndex,
        mint: state.mint,
        owner: state.owner,
        programId: owner,
        amount: state.amount,
        decimals
      })
    })
    return { lamports, tokens }
  }

  /** A mint's decimals never change once it is initialized, so they are read once. */
  private readonly decimals = new Map<string, number>()
  private decimalsOf(mint: string): number | undefined {
    const known = this.decimals.get(mint)
    if (known !== undefined) return known
    const account = this.svm.getAccount(mint as Address)
    if (!account.exists || !isTokenProgram(account.programAddress)) return undefined
    const { decimals, isInitialized } = readMint(account.data as Uint8Array)
    if (isInitialized) this.decimals.set(mint, decimals)
    return decimals
  }

  /**
   * A send with preflight decodes once for the simulation and the run. One entry only: stored
   * records keep their WireTransaction, so a map keyed by it would keep every decoding too.
   */
  private lastDecoded: { readonly tx: WireTransaction; readonly kit: Transaction } | undefined
  private toKit(tx: WireTransaction): Transaction {
    if (this.lastDecoded?.tx === tx) return this.lastDecoded.kit
    const kit = this.decoder.decode(tx.bytes) as Transaction
    this.lastDecoded = { tx, kit }
    return kit
  }

  private metaFields(meta: TransactionMetadata) {
    const returned = meta.returnData()
    const returnData =
      returned.data().length > 0 ? { programId: toBase58(returned.programId()), data: returned.data() } : null
    const innerInstructions: InnerInstructions[] = []
    meta.innerInstructions().forEach((list, index) => {
      if (list.length === 0) return
      innerInstructions.push({
        index,
        instructions: list.map((inner) => {
          const ix = inner.instruction()
          return {
            programIdIndex: ix.programIdIndex(),
            accounts: Array.from(ix.accounts()),
            data: ix.data(),
            stackHeight: inner.stackHeight()
          }
        })
      })
    })
    return {
      logs: meta.logs(),
      innerInstructions,
      computeUnitsConsumed: meta.computeUnitsConsumed(),
      returnData
    }
  }

  /** Addresses a v0 transaction pulls from lookup tables; empty when a table is missing (the run then fails). */
  loadedAddresses(tx: WireTransaction): LoadedAddresses {
    if (tx.addressTableLookups.length === 0) return { writable: [], readonly: [] }
    const writable: string[] = []
    const readonly: string[] = []
    for (const lookup of tx.addressTableLookups) {
      const table = this.svm.getAccount(lookup.accountKey as Address)
      if (!table.exists || table.programAddress !== ADDRESS_LOOKUP_TABLE_PROGRAM)
        return { writable: [], readonly: [] }
      const addressAt = (index: number): string | undefined => {
        const start = LOOKUP_TABLE_META_SIZE + index * 32
        return start + 32 <= table.data.length ? toBase58(table.data.subarray(start, start + 32)) : undefined
      }
      for (const [indexes, into] of [
        [lookup.writableIndexes, writable],
        [lookup.readonlyIndexes, readonly]
      ] as const) {
        for (const index of indexes) {
          const address = addressAt(index)
          if (address === undefined) return { writable: [], readonly: [] }
          into.push(address)
        }
      }
    }
    return { writable, readonly }
  }
}
