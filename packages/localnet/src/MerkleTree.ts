// A concurrent merkle tree as an indexer sees it: the nodes that change-log events have written,
// by heap index (root 1, leaves from 2^depth), and empty-subtree hashes for the rest. Proofs for
// any leaf come from here; nothing is recomputed, since every change log carries its whole path.
import { keccak_256 } from "@noble/hashes/sha3"

const emptyHashes: Uint8Array[] = [new Uint8Array(32)]
/** keccak(e || e) level over level: the hash of an empty subtree of height `level`. */
const emptyHash = (level: number): Uint8Array => {
  while (emptyHashes.length <= level) {
    const below = emptyHashes[emptyHashes.length - 1]!
    const both = new Uint8Array(64)
    both.set(below, 0)
    both.set(below, 32)
    emptyHashes.push(keccak_256(both))
  }
  return emptyHashes[level]!
}

export interface PathNode {
  readonly node: Uint8Array
  readonly index: number
}

export class MerkleTree {
  readonly address: string
  readonly depth: number
  seq = 0n
  private readonly nodes = new Map<number, Uint8Array>()

  constructor(address: string, depth: number) {
    this.address = address
    this.depth = depth
  }

  /** A change log's path: the leaf first, the root last. */
  apply(path: ReadonlyArray<PathNode>, seq: bigint): void {
    for (const { node, index } of path) this.nodes.set(index, node)
    if (seq > this.seq) this.seq = seq
  }

  private nodeAt(index: number): Uint8Array {
    const known = this.nodes.get(index)
    if (known) return known
    // Heap index -> height above the leaves.
    const level = this.depth - Math.floor(Math.log2(index))
    return emptyHash(level)
  }

  get root(): Uint8Array {
    return this.nodeAt(1)
  }

  leafNodeIndex(leafIndex: number): number {
    return 2 ** this.depth + leafIndex
  }

  leaf(leafIndex: number): Uint8Array {
    return this.nodeAt(this.leafNodeIndex(leafIndex))
  }

  /** Sibling hashes from the leaf up to (not including) the root. */
  proof(leafIndex: number): Uint8Array[] {
    const proof: Uint8Array[] = []
    for (let index = this.leafNodeIndex(leafIndex); index > 1; index = Math.floor(index / 2)) {
      proof.push(this.nodeAt(index ^ 1))
    }
    return proof
  }
}
