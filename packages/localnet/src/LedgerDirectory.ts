// `--ledger <dir>`: the devnet's state on disk, so a restart resumes the same chain. Three files:
// - accounts.bin: LiteSVM's own snapshot (every account, the sysvars, the feature set);
// - transactions.ndjson: every landed transaction record, one JSON line each, appended;
// - ledger.json: genesis hash, slot, block height, the slots kept, and how many transaction lines
//   belong to this checkpoint (lines past that count came from a checkpoint cut short; ignored).
// A checkpoint appends the new records, then replaces accounts.bin and ledger.json through a
// temporary file and a rename, so a crash leaves the previous checkpoint readable.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { join } from "node:path"
import { fromBase64, toBase64 } from "./Encoding.ts"
import type { ResumePoint, SlotRow } from "./SlotClock.ts"
import type { NewTransactionRecord, TransactionRecord } from "./TransactionStore.ts"
import { parseWireTransaction } from "./WireTransaction.ts"

const FORMAT = 1

interface LedgerFile {
  readonly format: number
  readonly genesisHash: string
  readonly firstSlot: number
  readonly slot: number
  readonly blockHeight: number
  readonly transactionCount: number
  readonly slots: ReadonlyArray<SlotRow>
}

export interface RestoredLedger {
  readonly genesisHash: string
  readonly accounts: Uint8Array
  readonly resume: ResumePoint
  readonly transactions: ReadonlyArray<NewTransactionRecord>
}

export interface Checkpoint {
  readonly genesisHash: string
  readonly accounts: Uint8Array
  readonly firstSlot: number
  readonly slot: number
  readonly blockHeight: number
  readonly slots: ReadonlyArray<SlotRow>
  /** Records not written yet, oldest first. */
  readonly newTransactions: ReadonlyArray<TransactionRecord>
  readonly transactionCount: number
}

// Records hold bigints (lamports, units) and byte arrays; JSON gets tagged forms of both. The
// holder's own value is read because JSON.stringify has already turned a Buffer into
// {type: "Buffer", data: [...]} through its toJSON by the time `value` arrives.
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key]
  if (typeof original === "bigint") return { $u64: original.toString() }
  if (original instanceof Uint8Array) return { $bytes: toBase64(original) }
  return value
}

const reviver = (_key: string, value: unknown): unknown => {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const tagged = value as { $u64?: unknown; $bytes?: unknown }
    if (typeof tagged.$u64 === "string") return BigInt(tagged.$u64)
    if (typeof tagged.$bytes === "string") return fromBase64(tagged.$bytes)
  }
  return value
}

const encodeRecord = (record: TransactionRecord): string => {
  const { seq: _seq, transaction, ...rest } = record
  return JSON.stringify({ ...rest, transaction: transaction.bytes }, replacer)
}

const decodeRecord = (line: string): NewTransactionRecord => {
  const raw = JSON.parse(line, reviver) as Omit<NewTransactionRecord, "transaction"> & {
    transaction: Uint8Array
  }
  return { ...raw, transaction: parseWireTransaction(raw.transaction) }
}

const writeAtomically = (path: string, data: string | Uint8Array): void => {
  const temporary = `${path}.tmp`
  writeFileSync(temporary, data)
  renameSync(temporary, path)
}

export class LedgerDirectory {
  readonly dir: string
  private readonly ledgerPath: string
  private readonly accountsPath: string
  private readonly transactionsPath: string

  constructor(dir: string) {
    this.dir = dir
    this.ledgerPath = join(dir, "ledger.json")
    this.accountsPath = join(dir, "accounts.bin")
    this.transactionsPath = join(dir, "transactions.ndjson")
  }

  /** `--reset`: forget the chain kept here. */
  reset(): void {
    for (const path of [this.ledgerPath, this.accountsPath, this.transactionsPath])
      rmSync(path, { force: true })
  }

  /** The chain kept here, or undefined for an empty directory. */
  read(): RestoredLedger | undefined {
    if (!existsSync(this.ledgerPath)) return undefined
    const ledger = JSON.parse(readFileSync(this.ledgerPath, "utf8")) as LedgerFile
    if (ledger.format !== FORMAT) {
      throw new Error(
        `${this.ledgerPath}: ledger format ${ledger.format}, expected ${FORMAT} (--reset starts over)`
      )
    }
    const lines = existsSync(this.transactionsPath)
      ? readFileSync(this.transactionsPath, "utf8")
          .split("\n")
          .filter((line) => line.length > 0)
      : []
    if (lines.length < ledger.transactionCount) {
      throw new Error(
        `${this.transactionsPath}: ${lines.length} records, the ledger counts ${ledger.transactionCount}`
      )
    }
    // Lines past the count were appended by a checkpoint that never finished: drop them on disk too.
    if (lines.length > ledger.transactionCount) {
      const kept = lines.slice(0, ledger.transactionCount)
      writeAtomically(this.transactionsPath, kept.map((line) => `${line}\n`).join(""))
    }
    return {
      genesisHash: ledger.genesisHash,
      accounts: new Uint8Array(readFileSync(this.accountsPath)),
      resume: {
        firstSlot: ledger.firstSlot,
        slot: ledger.slot,
        blockHeight: ledger.blockHeight,
        slots: ledger.slots
      },
      transactions: lines.slice(0, ledger.transactionCount).map(decodeRecord)
    }
  }

  write(checkpoint: Checkpoint): void {
    mkdirSync(this.dir, { recursive: true })
    if (checkpoint.newTransactions.length > 0) {
      appendFileSync(
        this.transactionsPath,
        checkpoint.newTransactions.map((record) => `${encodeRecord(record)}\n`).join("")
      )
    }
    writeAtomically(this.accountsPath, checkpoint.accounts)
    const ledger: LedgerFile = {
      format: FORMAT,
      genesisHash: checkpoint.genesisHash,
      firstSlot: checkpoint.firstSlot,
      slot: checkpoint.slot,
      blockHeight: checkpoint.blockHeight,
      transactionCount: checkpoint.transactionCount,
      slots: checkpoint.slots
    }
    writeAtomically(this.ledgerPath, JSON.stringify(ledger))
  }
}
