// Slots, block heights, blockhashes and commitment levels, as a cluster shows them to clients.
// LiteSVM has one "latest blockhash" and no notion of slots passing; this module makes every
// slot a block with its own blockhash, keeps the recent ones valid for 150 blocks, moves the
// Clock sysvar with real time and says which slot each commitment level currently sees.
import { Clock, type LiteSVM } from "litesvm"

export type Commitment = "processed" | "confirmed" | "finalized"

/** How many blocks a blockhash stays usable after the block that issued it (MAX_PROCESSING_AGE). */
export const BLOCKHASH_VALIDITY_BLOCKS = 150
const MINIMUM_SLOTS_PER_EPOCH = 32

export interface SlotInfo {
  readonly slot: number
  readonly parent: number
  readonly blockHeight: number
  readonly blockhash: string
  /** Unix seconds when the slot opened: the block time of its transactions. */
  readonly unixTimestamp: number
  transactionCount: number
  /** Compute-unit prices paid in this slot with the accounts each transaction wrote. */
  priorityFees:
    | Array<{ readonly microLamports: bigint; readonly writable: ReadonlyArray<string> }>
    | undefined
}

export interface BlockhashInfo {
  readonly blockhash: string
  readonly slot: number
  readonly lastValidBlockHeight: number
}

export interface SlotClockOptions {
  /** Slots a transaction waits after its own before it counts as confirmed. */
  readonly confirmedDepth: number
  /** Slots a transaction waits after its own before it counts as finalized (32 on a real cluster). */
  readonly finalizedDepth: number
  readonly now: () => number
  /** Where a restarted ledger left off; the clock opens the next slot after it. */
  readonly resume?: ResumePoint | undefined
}

/** A closed slot as a ledger keeps it on disk (its parent is the slot before it that was kept). */
export interface SlotRow {
  readonly slot: number
  readonly blockHeight: number
  readonly blockhash: string
  readonly unixTimestamp: number
  readonly transactionCount: number
}

export interface ResumePoint {
  readonly firstSlot: number
  readonly slot: number
  readonly blockHeight: number
  /** Slots that were kept, ascending; the ones missing in between read as skipped. */
  readonly slots: ReadonlyArray<SlotRow>
}

export interface EpochInfo {
  readonly epoch: number
  readonly slotIndex: number
  readonly slotsInEpoch: number
}

export class SlotClock {
  readonly svm: LiteSVM
  readonly options: SlotClockOptions
  readonly firstSlot: number
  private currentSlot: number
  private currentHeight: number
  private readonly slots = new Map<number, SlotInfo>()
  private readonly blockhashes = new Map<string, BlockhashInfo>()
  private readonly blockhashOrder: string[] = []
  private readonly slotListeners = new Set<(info: SlotInfo) => void>()

  constructor(svm: LiteSVM, options: SlotClockOptions) {
    this.svm = svm
    this.options = options
    // LiteSVM starts at a mainnet-like slot and has loaded its builtins there; going backwards
    // would hide them from the program cache, so the cluster begins where LiteSVM is.
    const resume = options.resume
    if (resume) {
      this.firstSlot = resume.firstSlot
      let parent = resume.firstSlot
      for (const row of resume.slots) {
        this.slots.set(row.slot, { ...row, parent, priorityFees: undefined })
        this.blockhashes.set(row.blockhash, {
          blockhash: row.blockhash,
          slot: row.slot,
          lastValidBlockHeight: row.blockHeight + BLOCKHASH_VALIDITY_BLOCKS
        })
        this.blockhashOrder.push(row.blockhash)
        parent = row.slot
      }
      // A restart is a new block after the last one kept, like a validator restarting from its ledger.
      this.currentSlot = resume.slot + 1
      this.currentHeight = resume.blockHeight + 1
      this.svm.expireBlockhash()
      this.openSlot(this.currentSlot, resume.slot)
      return
    }
    this.firstSlot = Number(svm.getClock().slot)
    this.currentSlot = this.firstSlot
    this.currentHeight = 0
    this.openSlot(this.firstSlot, this.firstSlot)
  }

  /**
   * The slots a ledger keeps: every one that holds transactions, and the recent ones (whose
   * blockhashes may still be in use). Older empty slots read as skipped after a restart.
   */
  rowsToKeep(): SlotRow[] {
    const recentFrom = this.currentSlot - 2 * BLOCKHASH_VALIDITY_BLOCKS
    const rows: SlotRow[] = []
    for (const info of this.slots.values()) {
      if (info.transactionCount > 0 || info.slot >= recentFrom) {
        rows.push({
          slot: info.slot,
          blockHeight: info.blockHeight,
          blockhash: info.blockhash,
          unixTimestamp: info.unixTimestamp,
          transactionCount: info.transactionCount
        })
      }
    }
    return rows.sort((a, b) => a.slot - b.slot)
  }

  /** Slots with a block between two slots (inclusive), ascending. */
  blocksBetween(from: number, to: number): number[] {
    const result: number[] = []
    for (let slot = Math.max(from, this.firstSlot); slot <= to; slot++) {
      if (this.slots.has(slot)) result.push(slot)
    }
    return result
  }

  get slot(): number {
    return this.currentSlot
  }

  get blockHeight(): number {
    return this.currentHeight
  }

  /** The newest slot a commitment level sees; before any slot is that deep, the first slot. */
  slotAt(commitment: Commitment): number {
    return Math.max(this.firstSlot, this.reachedUpTo(commitment))
  }

  /** Slots up to this one have reached the commitment; below the first slot, none has yet. */
  reachedUpTo(commitment: Commitment): number {
    const depth =
      commitment === "processed"
        ? 0
        : commitment === "confirmed"
          ? this.options.confirmedDepth
          : this.options.finalizedDepth
    return this.currentSlot - depth
  }

  blockHeightAt(commitment: Commitment): number {
    return this.info(this.slotAt(commitment))!.blockHeight
  }

  info(slot: number): SlotInfo | undefined {
    return this.slots.get(slot)
  }

  latestBlockhash(commitment: Commitment): BlockhashInfo {
    const info = this.info(this.slotAt(commitment))!
    return this.blockhashes.get(info.blockhash)!
  }

  /** The block in which a transaction landed, as seen from now. */
  commitmentOf(slot: number): Commitment {
    if (this.reached(slot, "finalized")) return "finalized"
    if (this.reached(slot, "confirmed")) return "confirmed"
    return "processed"
  }

  reached(slot: number, commitment: Commitment): boolean {
    return slot <= this.reachedUpTo(commitment)
  }

  /** The newest finalized slot, which may not exist yet (then below the first slot). */
  get rootSlot(): number {
    return this.reachedUpTo("finalized")
  }

  /** A blockhash is usable while the current block height has not passed its lastValidBlockHeight. */
  isBlockhashValid(blockhash: string): boolean {
    const info = this.blockhashes.get(blockhash)
    return info !== undefined && this.currentHeight <= info.lastValidBlockHeight
  }

  epochInfo(slot: number = this.currentSlot): EpochInfo {
    const schedule = this.svm.getEpochSchedule()
    const firstNormalSlot = Number(schedule.firstNormalSlot)
    if (schedule.warmup && slot < firstNormalSlot) {
      // Warm-up epochs double in length from 32 slots: epoch n spans 2^(n+5) slots.
      const epoch = Math.floor(Math.log2(slot + MINIMUM_SLOTS_PER_EPOCH)) - Math.log2(MINIMUM_SLOTS_PER_EPOCH)
      const slotsInEpoch = 2 ** (epoch + Math.log2(MINIMUM_SLOTS_PER_EPOCH))
      return { epoch, slotIndex: slot - (slotsInEpoch - MINIMUM_SLOTS_PER_EPOCH), slotsInEpoch }
    }
    const slotsPerEpoch = Number(schedule.slotsPerEpoch)
    const normalIndex = slot - (schedule.warmup ? firstNormalSlot : 0)
    const firstEpoch = schedule.warmup ? Number(schedule.firstNormalEpoch) : 0
    return {
      epoch: firstEpoch + Math.floor(normalIndex / slotsPerEpoch),
      slotIndex: normalIndex % slotsPerEpoch,
      slotsInEpoch: slotsPerEpoch
    }
  }

  onSlot(listener: (info: SlotInfo) => void): () => void {
    this.slotListeners.add(listener)
    return () => this.slotListeners.delete(listener)
  }

  /** Closes the current slot and opens the next one with a new blockhash and the real time. */
  advance(count = 1): void {
    for (let i = 0; i < count; i++) {
      const parent = this.currentSlot
      this.currentSlot += 1
      this.currentHeight += 1
      this.svm.expireBlockhash()
      const info = this.openSlot(this.currentSlot, parent)
      for (const listener of this.slotListeners) listener(info)
    }
  }

  noteTransaction(microLamports: bigint, writable: ReadonlyArray<string>): number {
    const info = this.info(this.currentSlot)!
    info.transactionCount += 1
    info.priorityFees?.push({ microLamports, writable })
    return info.transactionCount
  }

  /** The slots whose prioritization fees are still kept (the last 150), oldest first. */
  recentSlots(): SlotInfo[] {
    const from = Math.max(this.firstSlot, this.currentSlot - BLOCKHASH_VALIDITY_BLOCKS + 1)
    const result: SlotInfo[] = []
    for (let slot = from; slot <= this.currentSlot; slot++) {
      const info = this.info(slot)
      if (info) result.push(info)
    }
    return result
  }

  private openSlot(slot: number, parent: number): SlotInfo {
    const unixTimestamp = Math.floor(this.options.now() / 1000)
    const { epoch } = this.epochInfo(slot)
    const previous = this.svm.getClock()
    const epochStart =
      previous.epoch === BigInt(epoch) && previous.epochStartTimestamp !== 0n
        ? previous.epochStartTimestamp
        : BigInt(unixTimestamp)
    this.svm.setClock(
      new Clock(BigInt(slot), epochStart, BigInt(epoch), BigInt(epoch + 1), BigInt(unixTimestamp))
    )
    const blockhash = this.svm.latestBlockhash()
    const info: SlotInfo = {
      slot,
      parent,
      blockHeight: this.currentHeight,
      blockhash,
      unixTimestamp,
      transactionCount: 0,
      priorityFees: []
    }
    this.slots.set(slot, info)
    this.blockhashes.set(blockhash, {
      blockhash,
      slot,
      lastValidBlockHeight: this.currentHeight + BLOCKHASH_VALIDITY_BLOCKS
    })
    this.blockhashOrder.push(blockhash)
    // Blockhashes twice as old as the validity window can never be used again.
    while (this.blockhashOrder.length > 2 * BLOCKHASH_VALIDITY_BLOCKS + 2) {
      this.blockhashes.delete(this.blockhashOrder.shift()!)
    }
    const stale = this.slots.get(slot - BLOCKHASH_VALIDITY_BLOCKS)
    if (stale) stale.priorityFees = undefined
    return info
  }
}
