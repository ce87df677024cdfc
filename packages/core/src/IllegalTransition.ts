import { Schema } from "effect"
import { MintStatus } from "./Mint.ts"

/** An event that cannot happen to a mint in its present state; the mint is left as it was. */
export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  mintId: Schema.String,
  status: MintStatus,
  event: Schema.String,
  message: Schema.String
}) {}
