/** Request bodies: JSON only, parsed, then validated by the API's schemas with no unknown field let through. */
import { isStorableText } from "@tickettoken/minting-core"
import { Effect, Schema } from "effect"
import { HttpFailure, httpError } from "./HttpErrors.ts"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** True for text PostgreSQL could not store: a NUL, or an unpaired surrogate. */
export const unstorableText = (text: string): boolean => !isStorableText(text)

/**
 * Where in a parsed JSON body the first unstorable string is (a value or a key), as
 * `mints[1].metadata.name`; null when there is none. Checked before any schema, so no field a
 * schema forgot can carry such text to the database. Iterative: a body of 30,000 nested arrays
 * fits in 64 KB and must not overflow the stack.
 */
export const unstorableField = (root: unknown): string | null => {
  const pending: Array<{ readonly value: unknown; readonly path: string }> = [{ value: root, path: "" }]
  while (pending.length > 0) {
    const { value, path } = pending.pop()!
    if (typeof value === "string") {
      if (unstorableText(value)) return path || "body"
    } else if (Array.isArray(value)) {
      // Pushed last to first, so the first offending element is the one reported.
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], path: `${path}[${i}]` })
    } else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!
        const at = path === "" ? key : `${path}.${key}`
        if (unstorableText(key)) return at
        pending.push({ value: item, path: at })
      }
    }
  }
  return null
}

export const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  body: Uint8Array,
  contentType: string | undefined
) =>
  Effect.gen(function* () {
    if (!contentType?.toLowerCase().startsWith("application/json")) {
      return yield* Effect.fail(
        new HttpFailure(httpError(415, "unsupported_media_type", "the body must be application/json"))
      )
    }
    const json = yield* Effect.try({
      try: () => JSON.parse(utf8.decode(body)) as unknown,
      catch: () => new HttpFailure(httpError(400, "invalid_json", "the body is not valid JSON"))
    })
    const field = unstorableField(json)
    if (field !== null) {
      return yield* Effect.fail(
        new HttpFailure(
          httpError(400, "validation_failed", `${field} contains NUL (U+0000) or an unpaired surrogate`, {
            field
          })
        )
      )
    }
    return yield* Schema.decodeUnknownEffect(schema)(json, { onExcessProperty: "error", errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new HttpFailure(
            httpError(400, "validation_failed", "the body does not match the schema", {
              issues: error.message
            })
          )
      )
    )
  })

export const decodeParams = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  params: unknown,
  what: "query" | "path" = "query"
) =>
  Schema.decodeUnknownEffect(schema)(params, { onExcessProperty: "error", errors: "all" }).pipe(
    Effect.mapError(
      (error) =>
        new HttpFailure(
          httpError(400, "validation_failed", `the ${what} does not match the schema`, {
            issues: error.message
          })
        )
    )
  )
