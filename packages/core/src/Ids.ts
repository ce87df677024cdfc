/** Ids from the Random service, so tests can seed them. */
import { Effect, Random } from "effect"

const hex = (n: number) => n.toString(16).padStart(2, "0")

/** A random (version 4) UUID. */
export const uuid: Effect.Effect<string> = Effect.map(
  Effect.all(Array.from({ length: 16 }, () => Random.nextIntBetween(0, 255))),
  (bytes) => {
    bytes[6] = (bytes[6]! & 0x0f) | 0x40
    bytes[8] = (bytes[8]! & 0x3f) | 0x80
    const h = bytes.map(hex).join("")
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
)
