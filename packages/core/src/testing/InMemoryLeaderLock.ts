/**
 * LeaderLock in memory: the names held live in a set that holders share, so several holders in
 * one process (replicas in a test, or the fibers of a process that is alone anyway, as with an
 * embedded database) exclude each other. Nothing crosses a process boundary.
 */
import { Effect, Layer, Option } from "effect"
import { LeaderLock } from "../ports/LeaderLock.ts"

/** The names currently held; share one between layers to make them replicas of each other. */
export type HeldNames = Set<string>

export const makeHeldNames = (): HeldNames => new Set<string>()

export const make = (held: HeldNames): LeaderLock["Service"] =>
  LeaderLock.of({
    withLock: <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
      // Check-and-take is one synchronous step, so no other fiber can slip in between.
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (held.has(name)) return Effect.succeed(Option.none<A>())
          held.add(name)
          return restore(effect).pipe(
            Effect.map(Option.some),
            Effect.ensuring(Effect.sync(() => held.delete(name)))
          )
        })
      ).pipe(Effect.withSpan("InMemoryLeaderLock.withLock", { attributes: { name } }))
  })

/** A holder of its own: nothing else contends with it. */
export const layer: Layer.Layer<LeaderLock> = Layer.sync(LeaderLock, () => make(makeHeldNames()))

/** A holder over shared names: every layer built on the same set contends for the same locks. */
export const layerShared = (held: HeldNames): Layer.Layer<LeaderLock> =>
  Layer.sync(LeaderLock, () => make(held))
