/**
 * A producer that reads pages ahead into a queue its consumer takes them from (a pass's mint
 * pages, a tree's scan pages). However the producer ends, the queue ends with it; a failure or
 * a defect reaches the consumer as it is, since ending the queue alone would read as "no more
 * pages" and hide it. The producer's own interruption only ends the queue.
 */
import { Cause, Effect, Queue } from "effect"

export const feeding =
  <A, E>(pages: Queue.Queue<A, E | Cause.Done>) =>
  <X, R>(producer: Effect.Effect<X, E, R>) =>
    producer.pipe(
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Queue.failCause(pages, cause)
      ),
      Effect.ensuring(Queue.end(pages))
    )
