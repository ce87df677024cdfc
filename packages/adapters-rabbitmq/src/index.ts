/**
 * @tickettoken/minting-rabbitmq: relays the core's outbox to RabbitMQ with publisher confirms,
 * marking events sent only once the broker has them.
 */
export { AmqpPublisher } from "./AmqpPublisher.ts"

export * from "./BrokerError.ts"
export * as OutboxMessage from "./OutboxMessage.ts"
export * as OutboxRelay from "./OutboxRelay.ts"
export * as RelayConfig from "./RelayConfig.ts"
