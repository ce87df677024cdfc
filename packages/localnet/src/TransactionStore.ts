// Every transaction that landed (succeeded, or failed after paying its fee, as on a real
// cluster), by signature, plus an index from each account key to the transactions that named it
// so getSignaturesForAddress can page newest-first with before/until like a validator's ledger.
import type { RpcTransactionError } from "./TransactionErrors.ts"
import type { WireTransaction } from "./WireTransaction.ts"

export interface InnerInstruction {
  readonly programIdIndex: number
  readonly accounts: ReadonlyArray<number>
  /**
   * Raw bytes; base58 only when an answer needs it. Base58 is quadratic in length and a
   * Bubblegum mint's change-log event (~1 KB) cost milliseconds to encode on every send.
   */
  readonly data: Uint8Array
  readonly stackHeight: number
}

export interface InnerInstructions {
  /** Index of the outer instruction these were invoked from. */
  readonly index: number
  readonly instructions: ReadonlyArray<InnerInstruction>
}

export interface LoadedAddresses {
  readonly writable: ReadonlyArray<string>
  readonly readonly: ReadonlyArray<string>
}

/** A token account's balance before or after a transaction, as meta.pre/postTokenBalances give it. */
export interface TokenBalance {
  readonly accountIndex: number
  readonly mint: string
  readonly owner: string
  readonly programId: string
  readonly amount: bigint
  readonly decimals: number
}

export interface TransactionRecord {
  /** Order of arrival; larger is newer. */
  readonly seq: number
  readonly signature: string
  readonly slot: number
  readonly blockTime: number
  readonly transaction: WireTransaction
  readonly loadedAddresses: LoadedAddresses
  readonly err: RpcTransactionError | null
  readonly fee: bigint
  readonly preBalances: ReadonlyArray<bigint>
  readonly postBalances: ReadonlyArray<bigint>
  readonly preTokenBalances: ReadonlyArray<TokenBalance>
  readonly postTokenBalances: ReadonlyArray<TokenBalance>
  readonly logs: ReadonlyArray<string>
  readonly innerInstructions: ReadonlyArray<InnerInstructions>
  readonly computeUnitsConsumed: bigint
  readonly returnData: { readonly programId: string; readonly data: Uint8Array } | null
}

export type NewTransactionRecord = Omit<TransactionRecord, "seq">

export interface SignaturePage {
  readonly before?: string | undefined
  readonly until?: string | undefined
  readonly limit: number
  /** Transactions in later slots are not visible yet at the caller's commitment. */
  readonly maxSlot: number
}

export const allAccountKeys = (
  record: Pick<TransactionRecord, "transaction" | "loadedAddresses">
): string[] => [
  ...record.transaction.staticAccountKeys,
  ...record.loadedAddresses.writable,
  ...record.loadedAddresses.readonly
]

export class TransactionStore {
  private readonly bySignature = new Map<string, TransactionRecord>()
  private readonly bySeq: TransactionRecord[] = []
  private readonly byAddress = new Map<string, number[]>()
  private readonly bySlot = new Map<number, TransactionRecord[]>()

  get size(): number {
    return this.bySeq.length
  }

  has(signature: string): boolean {
    return this.bySignature.has(signature)
  }

  get(signature: string): TransactionRecord | undefined {
    return this.bySignature.get(signature)
  }

  add(entry: NewTransactionRecord): TransactionRecord {
    const record: TransactionRecord = { ...entry, seq: this.bySeq.length }
    this.bySeq.push(record)
    this.bySignature.set(record.signature, record)
    const inSlot = this.bySlot.get(record.slot)
    if (inSlot) inSlot.push(record)
    else this.bySlot.set(record.slot, [record])
    for (const key of new Set(allAccountKeys(record))) {
      const list = this.byAddress.get(key)
      if (list) list.push(record.seq)
      else this.byAddress.set(key, [record.seq])
    }
    return record
  }

  /** Every address some transaction named. */
  addresses(): Iterable<string> {
    return this.byAddress.keys()
  }

  /** The transactions of one block, in the order they landed. */
  inSlot(slot: number): ReadonlyArray<TransactionRecord> {
    return this.bySlot.get(slot) ?? []
  }

  /** Records from a sequence number on, oldest first (what a ledger has not written yet). */
  since(seq: number): ReadonlyArray<TransactionRecord> {
    return this.bySeq.slice(seq)
  }

  /** Newest first, starting after `before` and stopping before `until` (both exclusive). */
  signaturesForAddress(address: string, page: SignaturePage): TransactionRecord[] {
    const seqs = this.byAddress.get(address)
    if (!seqs) return []
    let start = seqs.length - 1
    if (page.before !== undefined) {
      const before = this.bySignature.get(page.before)
      if (!before) return []
      start = lastIndexBelow(seqs, before.seq)
    }
    const until = page.until === undefined ? undefined : this.bySignature.get(page.until)
    const result: TransactionRecord[] = []
    for (let i = start; i >= 0 && result.length < page.limit; i--) {
      const seq = seqs[i]!
      if (until !== undefined && seq <= until.seq) break
      const record = this.bySeq[seq]!
      if (record.slot <= page.maxSlot) result.push(record)
    }
    return result
  }
}

/** Index of the last element smaller than `value` in an ascending array, or -1. */
const lastIndexBelow = (sorted: ReadonlyArray<number>, value: number): number => {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sorted[mid]! < value) low = mid + 1
    else high = mid
  }
  return low - 1
}
