import { Context } from "effect"
import { defaultPolicy, type RetryPolicy } from "../FailurePolicy.ts"

/** The knobs of the use cases, with defaults that suit a real cluster. */
export interface MintingSettingsShape {
  /** Where `/metadata/:ticketId` is served: the URI that goes on chain. */
  readonly publicBaseUrl: string
  readonly retryPolicy: RetryPolicy
  /** How long a claimed mint stays leased without renewal. */
  readonly leaseMs: number
  /** How often the same signed bytes are sent again while unconfirmed. */
  readonly resendIntervalMs: number
  /** How often the signature's status is read while waiting. */
  readonly confirmPollMs: number
  /** Identifies this worker in leases. */
  readonly workerId: string
  /** Tree shape used when a new tree must be created. */
  readonly tree: { readonly maxDepth: number; readonly maxBufferSize: number; readonly canopyDepth: number }
}

export const MintingSettings = Context.Reference<MintingSettingsShape>(
  "@tickettoken/minting-core/MintingSettings",
  {
    defaultValue: () => ({
      publicBaseUrl: "http://localhost:3000",
      retryPolicy: defaultPolicy,
      leaseMs: 30_000,
      resendIntervalMs: 2_000,
      confirmPollMs: 400,
      workerId: "worker",
      tree: { maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 }
    })
  }
)
