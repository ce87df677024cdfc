// getProgramAccounts' (and programSubscribe's) filters: dataSize and memcmp, bytes in base58 or base64.
import { fromBase58, fromBase64 } from "./Encoding.ts"
import { invalidParams } from "./JsonRpc.ts"

export type AccountFilter = (data: Uint8Array) => boolean

export const programAccountFilters = (raw: unknown): AccountFilter[] => {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw invalidParams("filters must be an array")
  return raw.map((filter: unknown): AccountFilter => {
    const f = filter as {
      dataSize?: unknown
      memcmp?: { offset?: unknown; bytes?: unknown; encoding?: unknown }
    }
    if (typeof f?.dataSize === "number") {
      const size = f.dataSize
      return (data) => data.length === size
    }
    if (f?.memcmp && typeof f.memcmp.offset === "number" && typeof f.memcmp.bytes === "string") {
      const offset = f.memcmp.offset
      const bytes = f.memcmp.encoding === "base64" ? fromBase64(f.memcmp.bytes) : fromBase58(f.memcmp.bytes)
      return (data) =>
        data.length >= offset + bytes.length && bytes.every((byte, i) => data[offset + i] === byte)
    }
    throw invalidParams("unsupported filter")
  })
}
