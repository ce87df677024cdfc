/**
 * A concurrent merkle tree account of SPL account compression, read for the replica's proof:
 * its sequence number and the roots its change-log buffer still holds, by sequence number.
 *
 * Layout (V1 header, then the tree; little-endian): account type u8 (1 = concurrent merkle
 * tree), header version u8 (0 = V1), max buffer size u32, max depth u32, authority [32],
 * creation slot u64, 6 bytes padding; then sequence number u64, active index u64, buffer size
 * u64, `max buffer size` change logs of (root [32], path [32 * depth], index u32, padding u32),
 * the rightmost proof, and the canopy. The change log at `active index` is the newest, at the
 * sequence number; the one k places before it (wrapping) is at sequence number - k, for the
 * `buffer size` entries filled so far.
 */
import { Base58, type TreeAccount } from "@tickettoken/minting-core"

export const ACCOUNT_COMPRESSION_PROGRAM = "cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK"

const HEADER_BYTES = 56
const CONCURRENT_MERKLE_TREE = 1

/** getMultipleAccounts' entry, base64-encoded. */
export interface RpcAccount {
  readonly owner: string
  readonly data: readonly [string, string]
}

/**
 * The tree account at `address`, as the proof needs it. `expectedAuthority` is Bubblegum's tree
 * config PDA of this tree: a tree this service made has it as its authority.
 */
export const readTreeAccount = (
  address: string,
  account: RpcAccount | null,
  expectedAuthority: string
): TreeAccount => {
  if (account === null) return { _tag: "Missing", address }
  const foreign = (reason: string): TreeAccount => ({ _tag: "Foreign", address, reason })
  if (account.owner !== ACCOUNT_COMPRESSION_PROGRAM)
    return foreign(`owned by ${account.owner}, not account compression`)
  const data = Buffer.from(account.data[0], "base64")
  if (data.length < HEADER_BYTES + 24 || data[0] !== CONCURRENT_MERKLE_TREE || data[1] !== 0) {
    return foreign("not a concurrent merkle tree account (V1 header)")
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const maxBufferSize = view.getUint32(2, true)
  const maxDepth = view.getUint32(6, true)
  const authority = Base58.encode(data.subarray(10, 42))
  if (authority !== expectedAuthority)
    return foreign(`its authority is ${authority}, not Bubblegum's tree config ${expectedAuthority}`)
  const seq = Number(view.getBigUint64(HEADER_BYTES, true))
  const activeIndex = Number(view.getBigUint64(HEADER_BYTES + 8, true))
  const bufferSize = Number(view.getBigUint64(HEADER_BYTES + 16, true))
  const changeLogBytes = 32 + 32 * maxDepth + 8
  const logsAt = HEADER_BYTES + 24
  if (
    data.length < logsAt + maxBufferSize * changeLogBytes ||
    activeIndex >= maxBufferSize ||
    bufferSize > maxBufferSize
  ) {
    return foreign("the account is too short for its own header")
  }
  const roots = new Map<number, string>()
  for (let k = 0; k < bufferSize && k <= seq; k++) {
    const position = (activeIndex - k + maxBufferSize) % maxBufferSize
    const at = logsAt + position * changeLogBytes
    roots.set(seq - k, Base58.encode(data.subarray(at, at + 32)))
  }
  return { _tag: "Tree", address, maxDepth, maxBufferSize, seq, roots }
}
