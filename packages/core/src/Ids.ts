/** Ids from the Random service, so tests can seed them. */
import { Effect, Random } from "effect"

const word = Random.nextIntBetween(0, 0xffffffff)

/** A random (version 4) UUID, from four 32-bit words. */
export const uuid: Effect.Effect<string> = Effect.map(Effect.all([word, word, word, word]), (words) => {
  const bytes = new Uint8Array(16)
  new DataView(bytes.buffer).setUint32(0, words[0] >>> 0)
  new DataView(bytes.buffer).setUint32(4, words[1] >>> 0)
  new DataView(bytes.buffer).setUint32(8, words[2] >>> 0)
  new DataView(bytes.buffer).setUint32(12, words[3] >>> 0)
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const h = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
})
