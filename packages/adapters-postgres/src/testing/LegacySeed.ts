/**
 * The old minting service's tables as it left them in the platform's database (`tickettoken_db`):
 * `nft_mints` and `reconciliation_reports` from the DDL its services ran at run time, `mints`,
 * `collections` and `nfts` from its knex models, and the platform's `tickets` table it updated.
 * Tests build a database from these to prove the service deploys beside them and imports them.
 */

/** The DDL, in `public` as the old service had it. */
export const ddl: ReadonlyArray<string> = [
  `CREATE TABLE public.tickets (
    id uuid PRIMARY KEY,
    ticket_number text UNIQUE,
    status text,
    mint_address text,
    blockchain_status text,
    created_at timestamp DEFAULT now(),
    updated_at timestamp
  )`,
  // MintingOrchestrator.saveMintRecord
  `CREATE TABLE public.nft_mints (
    id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
    ticket_id VARCHAR(255) UNIQUE NOT NULL,
    transaction_signature VARCHAR(255),
    mint_address VARCHAR(255),
    metadata_uri TEXT,
    merkle_tree VARCHAR(255),
    retry_count INTEGER DEFAULT 0,
    status VARCHAR(50) DEFAULT 'pending',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
  )`,
  // ReconciliationService.saveReport
  `CREATE TABLE public.reconciliation_reports (
    id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
    timestamp TIMESTAMP DEFAULT NOW(),
    report_data JSONB,
    db_to_chain_count INTEGER,
    chain_to_db_count INTEGER,
    mismatch_count INTEGER,
    success_count INTEGER
  )`,
  // models/Mint.ts
  `CREATE TABLE public.mints (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    ticket_id text NOT NULL,
    nft_id text,
    status text NOT NULL,
    transaction_hash text,
    blockchain text NOT NULL,
    error text,
    retry_count integer DEFAULT 0,
    created_at timestamp DEFAULT now(),
    completed_at timestamp
  )`,
  // models/Collection.ts
  `CREATE TABLE public.collections (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    name text NOT NULL,
    symbol text NOT NULL,
    contract_address text NOT NULL,
    blockchain text NOT NULL,
    max_supply integer,
    current_supply integer DEFAULT 0,
    metadata jsonb,
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now()
  )`,
  // models/NFT.ts
  `CREATE TABLE public.nfts (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    token_id text NOT NULL,
    contract_address text NOT NULL,
    owner_address text NOT NULL,
    metadata_uri text,
    metadata jsonb,
    blockchain text NOT NULL,
    created_at timestamp DEFAULT now(),
    updated_at timestamp DEFAULT now()
  )`
]

/** The old service's tables, as `schema.table`, for checks that they were left alone. */
export const tables = [
  "public.tickets",
  "public.nft_mints",
  "public.reconciliation_reports",
  "public.mints",
  "public.collections",
  "public.nfts"
] as const

/**
 * A fingerprint of every row of the old tables (an md5 of each table's rows in a fixed order),
 * to compare before and after.
 */
export const fingerprintQuery = tables
  .map(
    (table) =>
      `SELECT '${table}' AS "table", count(*)::int AS rows, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest FROM ${table} t`
  )
  .join(" UNION ALL ")

/** The columns of the old tables, to compare before and after. */
export const columnsQuery = `SELECT table_schema || '.' || table_name || '.' || column_name || ':' || data_type AS "column"
  FROM information_schema.columns WHERE table_schema = 'public'
  AND table_name IN (${tables.map((t) => `'${t.slice("public.".length)}'`).join(", ")})
  ORDER BY 1`
