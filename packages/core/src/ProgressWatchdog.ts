/**
 * Whether the mint worker is getting anywhere, as a pure fold over what the runner observes:
 * completions, and whether mints are waiting. When mints wait and none has completed for the
 * threshold, the worker is stalled and says why as far as it knows; when one completes again,
 * it has resumed. The runner logs, counts and shows these on /health; nothing here does I/O.
 */

/** Why the worker believes it is stuck: the last trouble it met while mints were waiting. */
export type StallReason =
  | "chain_unreachable"
  | "fee_payer_empty"
  | "tree_missing"
  | "database_unavailable"
  | "unknown"

export interface State {
  /** When the last mint completed, or the watch started (epoch ms). */
  readonly lastProgressAt: number
  readonly stalled: { readonly since: number; readonly reason: StallReason } | null
}

export type Event =
  | { readonly _tag: "Stalled"; readonly reason: StallReason; readonly idleMs: number }
  /** The reason changed while stalled (an outage became an empty fee payer, say). */
  | { readonly _tag: "StillStalled"; readonly reason: StallReason; readonly idleMs: number }
  | { readonly _tag: "Resumed"; readonly stalledMs: number }

export const start = (now: number): State => ({ lastProgressAt: now, stalled: null })

/** A mint completed. */
export const progressed = (
  state: State,
  now: number
): { readonly state: State; readonly event: Event | null } => ({
  state: { lastProgressAt: now, stalled: null },
  event: state.stalled === null ? null : { _tag: "Resumed", stalledMs: now - state.stalled.since }
})

/**
 * A periodic look. `waiting`: mints are pending or in flight (unknown when the database cannot
 * say, which itself is a reason). `trouble`: the last reason the runner met, if any.
 */
export const check = (
  state: State,
  now: number,
  waiting: boolean | "unknown",
  trouble: StallReason | null,
  thresholdMs: number
): { readonly state: State; readonly event: Event | null } => {
  if (waiting === false) {
    // Nothing to do is not a stall: the clock restarts, so a new burst gets the full threshold.
    return state.stalled === null
      ? { state: { lastProgressAt: now, stalled: null }, event: null }
      : {
          state: { lastProgressAt: now, stalled: null },
          event: { _tag: "Resumed", stalledMs: now - state.stalled.since }
        }
  }
  const idleMs = now - state.lastProgressAt
  if (idleMs < thresholdMs) return { state, event: null }
  const reason: StallReason = waiting === "unknown" ? "database_unavailable" : (trouble ?? "unknown")
  if (state.stalled === null) {
    return {
      state: { ...state, stalled: { since: now, reason } },
      event: { _tag: "Stalled", reason, idleMs }
    }
  }
  if (state.stalled.reason !== reason) {
    return {
      state: { ...state, stalled: { since: state.stalled.since, reason } },
      event: { _tag: "StillStalled", reason, idleMs }
    }
  }
  return { state, event: null }
}
