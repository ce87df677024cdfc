/**
 * Every change a transaction made to a merkle tree, for the replica: SPL account compression's
 * change-log events, each with the Bubblegum leaf event that preceded it in the same
 * instruction (mints, transfers, delegations, verifications, metadata updates; burns log none),
 * and for mints the metadata URI the mint instruction carried.
 *
 * Both kinds of event are CPIs into a log wrapper (noop) whose data is the borsh bytes of an
 * `AccountCompressionEvent`: tag 0 a `ChangeLog` (V1: tree id, the path from the new leaf to
 * the root as (node, heap index) pairs, the tree's sequence number, the leaf index), tag 1
 * `ApplicationData` (Bubblegum's `LeafSchemaEvent`, see LeafEvents). Bubblegum logs its leaf
 * and then asks the compression program to write it, which logs the change: so a leaf event
 * belongs to the next change log of the same outer instruction. Nothing is assumed about where
 * an instruction sits in the transaction.
 */
import { Base58, type TreeChange } from "@tickettoken/minting-core"
import {
  bytesOf,
  hasMintDiscriminator,
  MPL_NOOP_PROGRAM,
  type RpcTransaction,
  SPL_NOOP_PROGRAM
} from "./LeafEvents.ts"
import { BUBBLEGUM_PROGRAM } from "./RpcErrors.ts"

const logWrappers = new Set([SPL_NOOP_PROGRAM, MPL_NOOP_PROGRAM])

const CHANGE_LOG_EVENT = 0
const CHANGE_LOG_V1 = 0

export interface ChangeLogEvent {
  readonly tree: string
  readonly seq: number
  readonly leafIndex: number
  /** Leaf first, root last. */
  readonly path: ReadonlyArray<Uint8Array>
}

/** A change log in a log wrapper's instruction data, or undefined when it holds something else. */
export const decodeChangeLog = (data: Uint8Array): ChangeLogEvent | undefined => {
  if (data.length < 2 + 32 + 4 || data[0] !== CHANGE_LOG_EVENT || data[1] !== CHANGE_LOG_V1) return undefined
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let at = 2
  const tree = Base58.encode(data.subarray(at, at + 32))
  at += 32
  const length = view.getUint32(at, true)
  at += 4
  // Each path node: 32 bytes of hash and a u32 heap index; then u64 seq and u32 leaf index.
  if (data.length !== at + length * 36 + 12) return undefined
  const path: Array<Uint8Array> = []
  for (let i = 0; i < length; i++) {
    path.push(data.slice(at, at + 32))
    at += 36
  }
  const seq = Number(view.getBigUint64(at, true))
  const leafIndex = view.getUint32(at + 8, true)
  return { tree, seq, leafIndex, path }
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * The metadata URI of a Bubblegum mint instruction, or undefined for any other instruction. Both
 * mint instructions' data is the discriminator and then MetadataArgs, which begins with three
 * borsh strings: name, symbol, uri. Read directly: umi's full MetadataArgs deserializer was a
 * large share of a pass's parsing (test/TreeReplica.test.ts checks the URIs of real mints).
 */
export const mintedUriOf = (data: Uint8Array): string | undefined => {
  if (!hasMintDiscriminator(data)) return undefined
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let at = 8
  for (let field = 0; field < 3; field++) {
    if (at + 4 > data.length) return undefined
    const length = view.getUint32(at, true)
    at += 4
    if (at + length > data.length) return undefined
    if (field === 2) {
      try {
        return utf8.decode(data.subarray(at, at + length))
      } catch {
        return undefined
      }
    }
    at += length
  }
  return undefined
}

const LEAF_SCHEMA_V1 = 0

/**
 * Bubblegum's LeafSchema V1 in a leaf event, field by field (after the 8-byte header: the
 * variant, id, owner, delegate, nonce as u64 LE, data hash, creator hash; the leaf hash follows).
 * Read directly with core's base58, for the same reason as the URI (test/TreeReplica.test.ts
 * checks that the fields of real leaf events hash to the leaves their change logs wrote).
 */
export const decodeLeafSchema = (data: Uint8Array): TreeChange["leaf"] | undefined => {
  if (data.length < 9 || data[0] !== 1 || data[1] !== 0 || data[6] !== 1) return undefined
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (view.getUint32(2, true) !== data.length - 6 || data[8] !== LEAF_SCHEMA_V1) return undefined
  const at = 9
  if (data.length < at + 32 * 5 + 8) return undefined
  const key = (offset: number) => Base58.encode(data.subarray(offset, offset + 32))
  return {
    assetId: key(at),
    owner: key(at + 32),
    delegate: key(at + 64),
    nonce: Number(view.getBigUint64(at + 96, true)),
    dataHash: key(at + 104),
    creatorHash: key(at + 136)
  }
}

/** Every change the transaction made to any tree, in the order they happened. */
export const treeChanges = (signature: string, tx: RpcTransaction): ReadonlyArray<TreeChange> => {
  if (tx.meta === null || tx.meta.err !== null) return []
  const keys = [
    ...tx.transaction.message.accountKeys,
    ...(tx.meta.loadedAddresses?.writable ?? []),
    ...(tx.meta.loadedAddresses?.readonly ?? [])
  ]
  const inner = new Map((tx.meta.innerInstructions ?? []).map((group) => [group.index, group.instructions]))
  const changes: Array<TreeChange> = []
  tx.transaction.message.instructions.forEach((outer, index) => {
    let leaf: TreeChange["leaf"] = null
    let mintedUri: string | null = null
    for (const ix of [outer, ...(inner.get(index) ?? [])]) {
      const program = keys[ix.programIdIndex]
      if (program === BUBBLEGUM_PROGRAM) {
        // A new Bubblegum instruction: what an earlier one logged is not this one's.
        leaf = null
        mintedUri = mintedUriOf(bytesOf(ix.data)) ?? null
        continue
      }
      if (program === undefined || !logWrappers.has(program)) continue
      const data = bytesOf(ix.data)
      const schema = decodeLeafSchema(data)
      if (schema !== undefined) {
        leaf = schema
        continue
      }
      const change = decodeChangeLog(data)
      if (change === undefined) continue
      changes.push({ signature, slot: tx.slot, change, leaf, mintedUri: leaf === null ? null : mintedUri })
      leaf = null
    }
  })
  return changes
}
