// The Solana wire format (legacy and v0 messages), read directly: the RPC answers need the raw
// header, account keys and compiled instructions, which @solana/kit's decoders reshape.
import { createPublicKey, verify } from "node:crypto"
import { fromBase58, toBase58 } from "./Encoding.ts"

export interface CompiledInstruction {
  readonly programIdIndex: number
  readonly accounts: ReadonlyArray<number>
  readonly data: Uint8Array
}

export interface AddressTableLookup {
  readonly accountKey: string
  readonly writableIndexes: ReadonlyArray<number>
  readonly readonlyIndexes: ReadonlyArray<number>
}

export interface MessageHeader {
  readonly numRequiredSignatures: number
  readonly numReadonlySignedAccounts: number
  readonly numReadonlyUnsignedAccounts: number
}

export interface WireTransaction extends WireMessage {
  readonly bytes: Uint8Array
  readonly signatures: ReadonlyArray<string>
  /** The first signature, the transaction's id. */
  readonly signature: string
  readonly signatureBytes: ReadonlyArray<Uint8Array>
  readonly messageBytes: Uint8Array
}

export class WireFormatError extends Error {
  override readonly name = "WireFormatError"
}

const PACKET_DATA_SIZE = 1232

class Reader {
  offset = 0
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
  u8(): number {
    const value = this.bytes[this.offset]
    if (value === undefined) throw new WireFormatError("unexpected end of transaction bytes")
    this.offset += 1
    return value
  }
  // compact-u16: 7 bits a byte, at most 3 bytes.
  shortVec(): number {
    let value = 0
    for (let shift = 0; shift < 21; shift += 7) {
      const byte = this.u8()
      value |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return value
    }
    throw new WireFormatError("invalid compact-u16 length")
  }
  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length)
      throw new WireFormatError("unexpected end of transaction bytes")
    const slice = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return slice
  }
}

export interface WireMessage {
  readonly version: "legacy" | 0
  readonly header: MessageHeader
  readonly staticAccountKeys: ReadonlyArray<string>
  readonly recentBlockhash: string
  readonly instructions: ReadonlyArray<CompiledInstruction>
  readonly addressTableLookups: ReadonlyArray<AddressTableLookup>
}

const readMessage = (reader: Reader): WireMessage => {
  const first = reader.u8()
  let version: "legacy" | 0 = "legacy"
  let headerFirst = first
  if (first & 0x80) {
    const number = first & 0x7f
    if (number !== 0) throw new WireFormatError(`transaction version ${number} is not supported`)
    version = 0
    headerFirst = reader.u8()
  }
  const header: MessageHeader = {
    numRequiredSignatures: headerFirst,
    numReadonlySignedAccounts: reader.u8(),
    numReadonlyUnsignedAccounts: reader.u8()
  }
  const keyCount = reader.shortVec()
  const staticAccountKeys: string[] = []
  for (let i = 0; i < keyCount; i++) staticAccountKeys.push(toBase58(reader.take(32)))
  const recentBlockhash = toBase58(reader.take(32))
  const instructionCount = reader.shortVec()
  const instructions: CompiledInstruction[] = []
  for (let i = 0; i < instructionCount; i++) {
    const programIdIndex = reader.u8()
    const accounts = Array.from(reader.take(reader.shortVec()))
    const data = reader.take(reader.shortVec())
    if (programIdIndex >= keyCount) throw new WireFormatError("instruction program id index out of bounds")
    instructions.push({ programIdIndex, accounts, data })
  }
  const addressTableLookups: AddressTableLookup[] = []
  if (version === 0) {
    const lookupCount = reader.shortVec()
    for (let i = 0; i < lookupCount; i++) {
      const accountKey = toBase58(reader.take(32))
      const writableIndexes = Array.from(reader.take(reader.shortVec()))
      const readonlyIndexes = Array.from(reader.take(reader.shortVec()))
      addressTableLookups.push({ accountKey, writableIndexes, readonlyIndexes })
    }
  }
  if (reader.offset !== reader.bytes.length)
    throw new WireFormatError("trailing bytes after the transaction message")
  if (keyCount < header.numRequiredSignatures) throw new WireFormatError("fewer account keys than signers")
  return { version, header, staticAccountKeys, recentBlockhash, instructions, addressTableLookups }
}

/** A message alone, as getFeeForMessage receives it. */
export const parseWireMessage = (bytes: Uint8Array): WireMessage => readMessage(new Reader(bytes))

export const parseWireTransaction = (bytes: Uint8Array): WireTransaction => {
  if (bytes.length > PACKET_DATA_SIZE) {
    throw new WireFormatError(`transaction of ${bytes.length} bytes is larger than ${PACKET_DATA_SIZE}`)
  }
  const reader = new Reader(bytes)
  const signatureCount = reader.shortVec()
  const signatureBytes: Uint8Array[] = []
  for (let i = 0; i < signatureCount; i++) signatureBytes.push(reader.take(64))
  const messageStart = reader.offset
  const message = readMessage(reader)
  if (signatureCount === 0 || signatureCount !== message.header.numRequiredSignatures) {
    throw new WireFormatError(
      `transaction has ${signatureCount} signatures but its message requires ${message.header.numRequiredSignatures}`
    )
  }
  const signatures = signatureBytes.map(toBase58)
  return {
    ...message,
    bytes,
    signatures,
    signature: signatures[0]!,
    signatureBytes,
    messageBytes: bytes.subarray(messageStart)
  }
}

/** Whether the account at `index` of the full key list (static keys, then loaded ones) is writable. */
export const isWritableIndex = (tx: WireMessage, index: number, loadedWritableCount: number): boolean => {
  const { numRequiredSignatures, numReadonlySignedAccounts, numReadonlyUnsignedAccounts } = tx.header
  const staticCount = tx.staticAccountKeys.length
  if (index < numRequiredSignatures) return index < numRequiredSignatures - numReadonlySignedAccounts
  if (index < staticCount) return index < staticCount - numReadonlyUnsignedAccounts
  return index - staticCount < loadedWritableCount
}

// SubjectPublicKeyInfo prefix for a raw 32-byte ed25519 key.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex")

/** Checks every signature against its signer key, as the RPC does before anything else. */
export const verifySignatures = (tx: WireTransaction): boolean =>
  tx.signatureBytes.every((signature, index) => {
    const signer = tx.staticAccountKeys[index]
    if (signer === undefined) return false
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, fromBase58(signer)]),
      format: "der",
      type: "spki"
    })
    return verify(null, tx.messageBytes, key, signature)
  })
