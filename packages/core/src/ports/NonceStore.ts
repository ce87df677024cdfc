import { Context, type DateTime, type Effect } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"

/** Nonces of authenticated requests, so that none is accepted twice while its timestamp is valid. */
export class NonceStore extends Context.Service<
  NonceStore,
  {
    /** True the first time a nonce is seen; false for a replay. Forgets nonces past `expiresAt`. */
    remember(
      nonce: string,
      expiresAt: DateTime.Utc,
      now: DateTime.Utc
    ): Effect.Effect<boolean, RepositoryError>
  }
>()("@tickettoken/minting-core/NonceStore") {}
