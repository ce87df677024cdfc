// Little-endian reads over program data (instruction data and account layouts), throwing
// ParseFailure when the bytes run out so a parser can fall back to the unparsed form.
import { toBase58 } from "./Encoding.ts"

export class ParseFailure extends Error {
  override readonly name = "ParseFailure"
}

export class ByteReader {
  offset: number
  private readonly bytes: Uint8Array
  private readonly view: DataView

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes
    this.offset = offset
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get remaining(): number {
    return this.bytes.length - this.offset
  }

  private need(length: number): number {
    if (this.offset + length > this.bytes.length) throw new ParseFailure("not enough bytes")
    const at = this.offset
    this.offset += length
    return at
  }

  u8(): number {
    return this.view.getUint8(this.need(1))
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true)
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true)
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true)
  }
  i64(): bigint {
    return this.view.getBigInt64(this.need(8), true)
  }
  f64(): number {
    return this.view.getFloat64(this.need(8), true)
  }
  bytesOf(length: number): Uint8Array {
    const at = this.need(length)
    return this.bytes.subarray(at, at + length)
  }
  pubkey(): string {
    return toBase58(this.bytesOf(32))
  }
  /** Rust's Option<Pubkey> in Borsh/bincode: one tag byte. */
  optionPubkey(): string | null {
    return this.u8() === 0 ? null : this.pubkey()
  }
  /** spl-token's COption<Pubkey>: a u32 tag, then the key (always present in the layout). */
  cOptionPubkey(): string | null {
    const tag = this.u32()
    const key = this.pubkey()
    return tag === 0 ? null : key
  }
  cOptionU64(): bigint | null {
    const tag = this.u32()
    const value = this.u64()
    return tag === 0 ? null : value
  }
  /** bincode String: u64 length, then UTF-8. */
  bincodeString(): string {
    const length = Number(this.u64())
    return new TextDecoder().decode(this.bytesOf(length))
  }
  /** Borsh String: u32 length, then UTF-8. */
  borshString(): string {
    const length = this.u32()
    return new TextDecoder().decode(this.bytesOf(length))
  }
}
