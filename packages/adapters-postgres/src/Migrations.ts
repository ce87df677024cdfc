/**
 * The schema, as versioned migrations run at start-up by effect's Migrator. The Migrator holds
 * an exclusive lock on its table while it runs, so replicas starting together migrate once.
 * Statements are listed one by one: the extended protocol runs one statement per query.
 */
import { Effect, Layer } from "effect"
import { Migrator, SqlClient } from "effect/sql"

const run = (statements: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const statement of statements) yield* sql.unsafe(statement)
  })

const mintStatuses = "'pending', 'minting', 'completed', 'failed', 'missing_on_chain'"

const initialSchema = [
  `CREATE TABLE mints (
    id text PRIMARY KEY,
    ticket_id text NOT NULL CONSTRAINT mints_ticket_id_key UNIQUE,
    request jsonb NOT NULL,
    event_id text NOT NULL,
    order_id text NOT NULL,
    owner text NOT NULL,
    collection_id text,
    metadata_uri text NOT NULL,
    status text NOT NULL CONSTRAINT mints_status_check CHECK (status IN (${mintStatuses})),
    attempts integer NOT NULL CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    next_attempt_at timestamptz,
    lease_owner text,
    lease_expires_at timestamptz,
    tx_signature text,
    tx_last_valid_block_height bigint,
    tx_wire bytea,
    tx_tree text,
    tx_data_hash text,
    tx_signed_at timestamptz,
    asset_id text,
    asset_tree text,
    leaf_index integer,
    asset_signature text,
    asset_slot bigint,
    asset_owner text,
    asset_data_hash text,
    error_code text,
    error_message text,
    error_retryable boolean,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    completed_at timestamptz,
    -- When the mint became claimable, NULL when it cannot be claimed: the claim's sort key,
    -- kept by the database so the claim query is one index range scan.
    due_at timestamptz GENERATED ALWAYS AS (
      CASE status
        WHEN 'pending' THEN COALESCE(next_attempt_at, '-infinity'::timestamptz)
        WHEN 'minting' THEN COALESCE(lease_expires_at, '-infinity'::timestamptz)
      END
    ) STORED,
    CONSTRAINT mints_lease_check CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL)),
    CONSTRAINT mints_transaction_check CHECK (
      (tx_signature IS NULL) = (tx_wire IS NULL) AND (tx_signature IS NULL) = (tx_last_valid_block_height IS NULL)
    )
  )`,
  `CREATE INDEX mints_claim_idx ON mints (due_at, created_at, id) WHERE status IN ('pending', 'minting')`,
  `CREATE INDEX mints_status_idx ON mints (status, id)`,
  `CREATE INDEX mints_created_idx ON mints (created_at DESC, id DESC)`,
  `CREATE INDEX mints_event_idx ON mints (event_id, created_at DESC, id DESC)`,
  `CREATE INDEX mints_owner_idx ON mints (owner, created_at DESC, id DESC)`,
  `CREATE INDEX mints_tx_signature_idx ON mints (tx_signature) WHERE tx_signature IS NOT NULL`,
  `CREATE INDEX mints_asset_id_idx ON mints (asset_id) WHERE asset_id IS NOT NULL`,

  `CREATE TABLE mint_attempts (
    signature text PRIMARY KEY,
    mint_id text NOT NULL CONSTRAINT mint_attempts_mint_id_fkey REFERENCES mints (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    last_valid_block_height bigint NOT NULL,
    wire bytea NOT NULL,
    tree text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('sent', 'landed', 'failed', 'expired')),
    created_at timestamptz NOT NULL,
    settled_at timestamptz
  )`,
  `CREATE INDEX mint_attempts_mint_idx ON mint_attempts (mint_id, created_at, attempt)`,

  `CREATE TABLE trees (
    address text PRIMARY KEY,
    max_depth integer NOT NULL,
    max_buffer_size integer NOT NULL,
    canopy_depth integer NOT NULL,
    capacity bigint NOT NULL,
    minted bigint NOT NULL DEFAULT 0 CHECK (minted >= 0),
    status text NOT NULL CHECK (status IN ('active', 'standby', 'full')),
    checkpoint_signature text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The single-active rule, enforced by the database whatever the code does.
  `CREATE UNIQUE INDEX trees_single_active ON trees ((true)) WHERE status = 'active'`,

  `CREATE TABLE collections (
    id text PRIMARY KEY,
    name text NOT NULL,
    symbol text NOT NULL,
    collection_mint text,
    blockchain text NOT NULL DEFAULT 'solana',
    max_supply integer CHECK (max_supply IS NULL OR max_supply >= 0),
    current_supply integer NOT NULL DEFAULT 0 CHECK (current_supply >= 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT max_supply CHECK (max_supply IS NULL OR current_supply <= max_supply)
  )`,
  `CREATE INDEX collections_collection_mint_idx ON collections (collection_mint) WHERE collection_mint IS NOT NULL`,

  // The seed's table and counts, with the whole report as JSON and its findings as rows.
  `CREATE TABLE reconciliation_reports (
    id text PRIMARY KEY,
    "timestamp" timestamptz NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    report_data jsonb NOT NULL,
    db_to_chain_count integer NOT NULL,
    chain_to_db_count integer NOT NULL,
    mismatch_count integer NOT NULL,
    success_count integer NOT NULL,
    finding_count integer NOT NULL,
    examined integer NOT NULL,
    rpc_calls integer NOT NULL
  )`,
  `CREATE INDEX reconciliation_reports_newest_idx ON reconciliation_reports (started_at DESC, id DESC)`,
  `CREATE TABLE reconciliation_findings (
    report_id text NOT NULL REFERENCES reconciliation_reports (id) ON DELETE CASCADE,
    position integer NOT NULL,
    reason_code text NOT NULL CHECK (reason_code IN
      ('success', 'mint_missing', 'transaction_failed', 'metadata_mismatch', 'chain_orphaned', 'db_orphaned')),
    action text NOT NULL CHECK (action IN ('none', 'mark_completed', 'requeue', 'mark_missing', 'flag')),
    mint_id text,
    ticket_id text,
    signature text,
    asset_id text,
    details text NOT NULL,
    PRIMARY KEY (report_id, position)
  )`,
  `CREATE INDEX reconciliation_findings_mint_idx ON reconciliation_findings (mint_id) WHERE mint_id IS NOT NULL`,
  `CREATE INDEX reconciliation_findings_reason_idx ON reconciliation_findings (reason_code, report_id)`,

  `CREATE TABLE outbox (
    id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    topic text NOT NULL CHECK (topic IN ('mint.requested', 'mint.completed', 'mint.failed', 'mint.missing')),
    key text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at timestamptz
  )`,
  `CREATE INDEX outbox_unsent_idx ON outbox (created_at, seq) WHERE sent_at IS NULL`,
  `CREATE INDEX outbox_newest_idx ON outbox (created_at DESC, seq DESC)`,

  `CREATE TABLE auth_nonces (
    nonce text PRIMARY KEY,
    expires_at timestamptz NOT NULL
  )`,
  `CREATE INDEX auth_nonces_expires_idx ON auth_nonces (expires_at)`,

  `CREATE TABLE metadata_documents (
    ticket_id text PRIMARY KEY,
    document jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`
]

/**
 * Every claim and save rewrites a mint's row. Room left on each page keeps the new version on the
 * same page, where PostgreSQL logs only the bytes that changed instead of the whole row.
 */
const roomForUpdates = [
  `ALTER TABLE mints SET (fillfactor = 70)`,
  `ALTER TABLE mint_attempts SET (fillfactor = 90)`
]

const reasonCodes =
  "'success', 'mint_missing', 'transaction_failed', 'metadata_mismatch', 'chain_orphaned', 'db_orphaned', " +
  "'double_mint', 'replica_incomplete', 'chain_reset'"

/**
 * The replica of every managed tree (its nodes and leaves, kept from the chain by the
 * reconciler), the cluster's recorded genesis hash, and findings that stay open across passes.
 */
const treeReplica = [
  `CREATE TABLE chain_identity (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    genesis_hash text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE tree_replicas (
    tree text PRIMARY KEY,
    seq bigint,
    root text,
    checkpoint_signature text,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE tree_nodes (
    tree text NOT NULL,
    node_index bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (tree, node_index)
  )`,
  `CREATE TABLE tree_leaves (
    tree text NOT NULL,
    leaf_index bigint NOT NULL,
    leaf_hash text NOT NULL,
    state text NOT NULL CHECK (state IN ('live', 'burned', 'unknown')),
    asset_id text,
    owner text,
    delegate text,
    nonce bigint,
    data_hash text,
    creator_hash text,
    minted_signature text,
    minted_slot bigint,
    minted_owner text,
    minted_data_hash text,
    minted_creator_hash text,
    minted_uri text,
    ticket_id text,
    last_signature text NOT NULL,
    last_seq bigint NOT NULL,
    PRIMARY KEY (tree, leaf_index)
  )`,
  `CREATE INDEX tree_leaves_asset_id_idx ON tree_leaves (asset_id) WHERE asset_id IS NOT NULL`,
  `CREATE INDEX tree_leaves_ticket_id_idx ON tree_leaves (ticket_id) WHERE ticket_id IS NOT NULL`,
  `CREATE INDEX tree_leaves_minted_signature_idx ON tree_leaves (minted_signature) WHERE minted_signature IS NOT NULL`,
  `CREATE TABLE findings (
    id text PRIMARY KEY,
    reason_code text NOT NULL CHECK (reason_code IN (${reasonCodes})),
    finding jsonb NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'resolved')),
    first_seen_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    report_id text NOT NULL,
    resolved_at timestamptz,
    resolved_by text,
    CONSTRAINT findings_resolution_check CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
  )`,
  `CREATE INDEX findings_listing_idx ON findings (state, reason_code, first_seen_at, id)`,
  `CREATE INDEX findings_first_seen_idx ON findings (first_seen_at, id)`,
  `ALTER TABLE reconciliation_findings DROP CONSTRAINT reconciliation_findings_reason_code_check`,
  `ALTER TABLE reconciliation_findings ADD CONSTRAINT reconciliation_findings_reason_code_check
    CHECK (reason_code IN (${reasonCodes}))`,
  `ALTER TABLE reconciliation_findings ADD COLUMN tree text`
]

const reasonCodesWithImport = `${reasonCodes}, 'import_unproven'`

/**
 * The old service's rows, imported (`pnpm migrate:legacy`): mints in the `imported` status until
 * the reconciler has checked them, and every row they came from kept whole as evidence.
 */
const legacyImport = [
  `ALTER TABLE mints DROP CONSTRAINT mints_status_check`,
  `ALTER TABLE mints ADD CONSTRAINT mints_status_check CHECK (status IN (${mintStatuses}, 'imported'))`,
  `CREATE TABLE legacy_evidence (
    source_table text NOT NULL,
    source_id text NOT NULL,
    ticket_id text,
    mint_id text REFERENCES mints (id) ON DELETE SET NULL,
    collection_id text,
    row_data jsonb NOT NULL,
    imported_at timestamptz NOT NULL,
    PRIMARY KEY (source_table, source_id)
  )`,
  `CREATE INDEX legacy_evidence_ticket_idx ON legacy_evidence (ticket_id) WHERE ticket_id IS NOT NULL`,
  `CREATE INDEX legacy_evidence_mint_idx ON legacy_evidence (mint_id) WHERE mint_id IS NOT NULL`,
  `ALTER TABLE findings DROP CONSTRAINT findings_reason_code_check`,
  `ALTER TABLE findings ADD CONSTRAINT findings_reason_code_check CHECK (reason_code IN (${reasonCodesWithImport}))`,
  `ALTER TABLE reconciliation_findings DROP CONSTRAINT reconciliation_findings_reason_code_check`,
  `ALTER TABLE reconciliation_findings ADD CONSTRAINT reconciliation_findings_reason_code_check
    CHECK (reason_code IN (${reasonCodesWithImport}))`
]

/**
 * Collections created by the service itself: the URI and metadata of their NFT, and the signed
 * transaction that creates it, stored before its first send (as a mint's), so a retried or
 * resumed creation re-sends the same bytes instead of making a second collection NFT.
 */
const collectionsOnChain = [
  `ALTER TABLE collections ADD COLUMN uri text`,
  `ALTER TABLE collections ADD COLUMN seller_fee_basis_points integer
    CHECK (seller_fee_basis_points BETWEEN 0 AND 10000)`,
  `ALTER TABLE collections ADD COLUMN metadata jsonb`,
  `ALTER TABLE collections ADD COLUMN creation_mint text`,
  `ALTER TABLE collections ADD COLUMN creation_signature text`,
  `ALTER TABLE collections ADD COLUMN creation_wire bytea`,
  `ALTER TABLE collections ADD COLUMN creation_last_valid_block_height bigint`,
  `ALTER TABLE collections ADD COLUMN creation_signed_at timestamptz`
]

/**
 * Recovery from a reset cluster: a tree an operator declared `lost` (the chain no longer holds
 * it) is never minted into, activated or reconciled again; when the operator's recovery moves
 * the recorded genesis hash, the one it replaces is kept here as evidence.
 */
const lostTrees = [
  `ALTER TABLE trees DROP CONSTRAINT trees_status_check`,
  `ALTER TABLE trees ADD CONSTRAINT trees_status_check CHECK (status IN ('active', 'standby', 'full', 'lost'))`,
  `ALTER TABLE trees ADD COLUMN lost_at timestamptz`,
  `CREATE TABLE chain_identity_history (
    genesis_hash text NOT NULL,
    recorded_at timestamptz NOT NULL,
    replaced_at timestamptz NOT NULL,
    PRIMARY KEY (replaced_at, genesis_hash)
  )`
]

export const migrations = {
  "0001_initial_schema": run(initialSchema),
  "0002_room_for_updates": run(roomForUpdates),
  "0003_tree_replica": run(treeReplica),
  "0004_legacy_import": run(legacyImport),
  "0005_collections_on_chain": run(collectionsOnChain),
  "0006_lost_trees": run(lostTrees)
}

/** The table the Migrator records applied migrations in. */
export const migrationsTable = "minting_migrations"

/** The schema every table of the service lives in unless DB_SCHEMA names another. */
export const defaultSchema = "minting"

const identifier = /^[a-z_][a-z0-9_]{0,62}$/

/** The schema name, or why it cannot be one (it is written into SQL, so only plain names pass). */
export const checkSchema = (schema: string): string | undefined =>
  identifier.test(schema)
    ? undefined
    : `DB_SCHEMA is "${schema}": use lower-case letters, digits and _ (a plain PostgreSQL name)`

const runMigrator = Migrator.make({})({
  loader: Migrator.fromRecord(migrations),
  table: migrationsTable
})

/**
 * A deployment of an earlier version kept its tables in `public`, with our migrations table
 * there: they move into the schema, data and all, before the migrator looks. The old service's
 * tables of the same names never had a `minting_migrations` beside them, so they stay where
 * they are.
 */
const adoptFromPublic = (schema: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (schema === "public") return
    const [found] = yield* sql<{ inPublic: boolean; inSchema: boolean }>`
      SELECT to_regclass(${`public.${migrationsTable}`}) IS NOT NULL AS "inPublic",
             to_regclass(${`${schema}.${migrationsTable}`}) IS NOT NULL AS "inSchema"`
    if (found === undefined || !found.inPublic || found.inSchema) return
    for (const table of [...tables, migrationsTable]) {
      yield* sql.unsafe(`ALTER TABLE IF EXISTS public.${table} SET SCHEMA ${schema}`)
    }
  })

/**
 * Applies every migration not yet applied, in `schema` (created when missing); returns the ones
 * it ran. The whole run holds one connection whose search_path is the schema alone, so every
 * table lands there whatever the pool's connections default to, and a table of the same name
 * elsewhere (the old service's `mints`, `collections`...) is never seen.
 */
export const migrateIn = (schema: string) =>
  Effect.gen(function* () {
    const problem = checkSchema(schema)
    if (problem !== undefined) return yield* Effect.die(new Error(problem))
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        // Replicas starting together would race on CREATE SCHEMA: one at a time.
        yield* sql`SELECT pg_advisory_xact_lock(hashtext(${migrationsTable}))`
        yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
        yield* sql.unsafe(`SET LOCAL search_path TO ${schema}`)
        yield* adoptFromPublic(schema)
        return yield* runMigrator
      })
    )
  })

/** Applies every migration not yet applied in the default schema; returns the ones it ran. */
export const migrate = migrateIn(defaultSchema)

/** Migrates when built: anything built on it sees the current schema. */
export const layerIn = (schema: string) => Layer.effectDiscard(migrateIn(schema))

export const layer = layerIn(defaultSchema)

/** Every table this service owns, children first (for test clean-ups). */
export const tables = [
  "legacy_evidence",
  "findings",
  "tree_leaves",
  "tree_nodes",
  "tree_replicas",
  "chain_identity_history",
  "chain_identity",
  "mint_attempts",
  "mints",
  "trees",
  "collections",
  "reconciliation_findings",
  "reconciliation_reports",
  "outbox",
  "auth_nonces",
  "metadata_documents"
] as const
