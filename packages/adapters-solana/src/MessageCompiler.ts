/**
 * umi's transaction factory with legacy and V0 messages that use no address lookup table
 * compiled over the keys' bytes. umi's default factory goes through @solana/web3.js: every key
 * becomes a PublicKey (base58 decoded), is encoded again to be compared and to come back to umi,
 * and is decoded once more to serialize the message; about a tenth of the service's CPU a mint.
 * The accounts are ordered as web3.js orders them (the fee payer, then each instruction's program
 * and accounts in order of first appearance; writable signers, read-only signers, writable
 * others, read-only others), so the bytes are the same (a test compares them). Anything else (a
 * lookup table, a V1 message) goes to the factory it wraps.
 */
import type {
  CompiledInstruction,
  PublicKey,
  Transaction,
  TransactionFactoryInterface,
  TransactionInput
} from "@metaplex-foundation/umi"
import { Base58 } from "@tickettoken/minting-core"

interface Meta {
  signer: boolean
  writable: boolean
}

/** Key bytes by key (fee payer, programs, trees recur in every transaction); cleared when large. */
const keyBytes = new Map<string, Uint8Array>()
const KEY_CACHE_LIMIT = 10_000
const bytesOf = (key: string): Uint8Array => {
  let bytes = keyBytes.get(key)
  if (bytes === undefined) {
    bytes = Base58.decode(key)
    if (bytes === undefined || bytes.length !== 32) throw new Error(`${key} is not a public key`)
    if (keyBytes.size >= KEY_CACHE_LIMIT) keyBytes.clear()
    keyBytes.set(key, bytes)
  }
  return bytes
}

/** A short-vec length (compact-u16). */
const shortVec = (n: number, out: Array<number>) => {
  let rest = n
  while (true) {
    const byte = rest & 0x7f
    rest >>= 7
    if (rest === 0) {
      out.push(byte)
      return
    }
    out.push(byte | 0x80)
  }
}

/** The message of a legacy or V0 transaction without lookup tables, and its bytes. */
export const compileMessage = (input: TransactionInput): Transaction => {
  const metas = new Map<string, Meta>()
  const touch = (key: string, signer: boolean, writable: boolean) => {
    const meta = metas.get(key)
    if (meta === undefined) metas.set(key, { signer, writable })
    else {
      meta.signer ||= signer
      meta.writable ||= writable
    }
  }
  touch(input.payer, true, true)
  for (const ix of input.instructions) {
    touch(ix.programId, false, false)
    for (const key of ix.keys) touch(key.pubkey, key.isSigner, key.isWritable)
  }
  const entries = [...metas]
  const of = (signer: boolean, writable: boolean) =>
    entries.filter(([, m]) => m.signer === signer && m.writable === writable).map(([key]) => key as PublicKey)
  const writableSigners = of(true, true)
  const readonlySigners = of(true, false)
  const writableOthers = of(false, true)
  const readonlyOthers = of(false, false)
  const accounts = [...writableSigners, ...readonlySigners, ...writableOthers, ...readonlyOthers]
  if (accounts.length > 256) throw new Error(`a transaction names ${accounts.length} accounts, more than 256`)
  const index = new Map(accounts.map((key, i) => [key as string, i]))
  const header = {
    numRequiredSignatures: writableSigners.length + readonlySigners.length,
    numReadonlySignedAccounts: readonlySigners.length,
    numReadonlyUnsignedAccounts: readonlyOthers.length
  }
  const instructions: Array<CompiledInstruction> = input.instructions.map((ix) => ({
    programIndex: index.get(ix.programId)!,
    accountIndexes: ix.keys.map((key) => index.get(key.pubkey)!),
    data: ix.data
  }))

  const head: Array<number> = []
  if (input.version === 0) head.push(0x80)
  head.push(
    header.numRequiredSignatures,
    header.numReadonlySignedAccounts,
    header.numReadonlyUnsignedAccounts
  )
  shortVec(accounts.length, head)
  const parts: Array<Uint8Array> = [Uint8Array.from(head)]
  for (const key of accounts) parts.push(bytesOf(key))
  const blockhash = Base58.decode(input.blockhash)
  if (blockhash === undefined || blockhash.length !== 32)
    throw new Error(`${input.blockhash} is not a blockhash`)
  parts.push(blockhash)
  const body: Array<number> = []
  shortVec(instructions.length, body)
  parts.push(Uint8Array.from(body))
  for (const ix of instructions) {
    const meta: Array<number> = [ix.programIndex]
    shortVec(ix.accountIndexes.length, meta)
    meta.push(...ix.accountIndexes)
    shortVec(ix.data.length, meta)
    parts.push(Uint8Array.from(meta), ix.data)
  }
  if (input.version === 0) parts.push(Uint8Array.of(0))
  let length = 0
  for (const part of parts) length += part.length
  const serializedMessage = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    serializedMessage.set(part, at)
    at += part.length
  }
  return {
    message: {
      version: input.version === 0 ? 0 : "legacy",
      header,
      accounts,
      blockhash: input.blockhash,
      instructions,
      addressLookupTables: []
    },
    serializedMessage,
    signatures:
      input.signatures ?? Array.from({ length: header.numRequiredSignatures }, () => new Uint8Array(64))
  }
}

/** Whether `compileMessage` takes this input: legacy, or V0 without lookup tables. */
const compiles = (input: TransactionInput): boolean =>
  input.version === "legacy" ||
  (input.version === 0 && (input.addressLookupTables === undefined || input.addressLookupTables.length === 0))

export const compilingFactory = (factory: TransactionFactoryInterface): TransactionFactoryInterface => ({
  ...factory,
  create: (input) => (compiles(input) ? compileMessage(input) : factory.create(input))
})
