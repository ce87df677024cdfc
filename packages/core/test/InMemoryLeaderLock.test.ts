/** The LeaderLock contract against the in-memory holder; two holders over one set are replicas. */

import { LeaderLockContract } from "../src/testing/contracts/index.ts"
import * as InMemoryLeaderLock from "../src/testing/InMemoryLeaderLock.ts"

const held = InMemoryLeaderLock.makeHeldNames()

LeaderLockContract.suite("in memory", InMemoryLeaderLock.layerShared(held), {
  replica: InMemoryLeaderLock.layerShared(held)
})
LeaderLockContract.suite("in memory, a holder of its own", InMemoryLeaderLock.layer, {
  noReplica: "a holder of its own shares its names with nobody"
})
