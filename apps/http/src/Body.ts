/** Request bodies: JSON only, parsed, then validated by the API's schemas with no unknown field let through. */
import { Effect, Schema } from "effect"
import { HttpFailure, httpError } from "./HttpErrors.ts"

const utf8 = new TextDecoder("utf-8", { fatal: true })

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
  params: unknown
) =>
  Schema.decodeUnknownEffect(schema)(params, { onExcessProperty: "error", errors: "all" }).pipe(
    Effect.mapError(
      (error) =>
        new HttpFailure(
          httpError(400, "validation_failed", "the query does not match the schema", {
            issues: error.message
          })
        )
    )
  )
