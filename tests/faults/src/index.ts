/**
 * @tickettoken/minting-faults: the real stack (localnet with the Bubblegum programs behind the
 * fault proxy, PostgreSQL, the service as processes) for fault tests, the soak run and the
 * devnet smoke run, and the audit that counts what they did.
 */
export * from "./Audit.ts"
export * from "./ServiceProcess.ts"
export * from "./Stack.ts"
export * from "./Tickets.ts"
