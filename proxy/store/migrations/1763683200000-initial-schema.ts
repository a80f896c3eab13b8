/** The first schema: accounts, API keys and their limits, usage, request logs, and replica coordination tables. */
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, foreignKey, index } from './ddl.ts';

/** Built per run: TypeORM annotates Table objects while creating them, so they are not shared between databases. */
function tables(): Table[] {
  return [
  new Table({
    name: 'accounts',
    columns: [
      col.varchar('id', 160, { primary: true }),
      col.varchar('chatgpt_account_id', 128, { nullable: true }),
      col.varchar('chatgpt_user_id', 128, { nullable: true }),
      col.varchar('codex_installation_id', 36),
      col.varchar('email', 320),
      col.varchar('alias', 128, { nullable: true }),
      col.varchar('workspace_id', 128, { nullable: true }),
      col.varchar('workspace_label', 256, { nullable: true }),
      col.varchar('seat_type', 64, { nullable: true }),
      col.varchar('plan_type', 32),
      col.varchar('routing_policy', 16),
      col.varchar('status', 32),
      col.text('status_reason', { nullable: true }),
      col.text('access_token_encrypted'),
      col.text('refresh_token_encrypted'),
      col.text('id_token_encrypted'),
      col.instant('last_refresh_at', { nullable: true }),
      col.instant('reset_at', { nullable: true }),
      col.instant('blocked_at', { nullable: true }),
      col.varchar('last_error_code', 64, { nullable: true }),
      col.instant('last_error_at', { nullable: true }),
      col.double('primary_used_percent', { nullable: true }),
      col.integer('primary_window_minutes', { nullable: true }),
      col.instant('primary_reset_at', { nullable: true }),
      col.double('secondary_used_percent', { nullable: true }),
      col.integer('secondary_window_minutes', { nullable: true }),
      col.instant('secondary_reset_at', { nullable: true }),
      col.bool('credits_has_credits', { nullable: true }),
      col.bool('credits_unlimited', { nullable: true }),
      col.double('credits_balance', { nullable: true }),
      col.instant('usage_updated_at', { nullable: true }),
      col.instant('created_at'),
      col.instant('updated_at'),
    ],
    indices: [index('ix_accounts_chatgpt_account_id', 'chatgpt_account_id')],
  }),
  new Table({
    name: 'api_keys',
    columns: [
      col.varchar('id', 36, { primary: true }),
      col.varchar('name', 128),
      col.varchar('key_hash', 64),
      col.varchar('key_prefix', 16),
      col.text('allowed_models', { nullable: true }),
      col.instant('expires_at', { nullable: true }),
      col.bool('is_active'),
      col.instant('created_at'),
      col.instant('last_used_at', { nullable: true }),
    ],
    uniques: [{ name: 'uq_api_keys_key_hash', columnNames: ['key_hash'] }],
  }),
  new Table({
    name: 'api_key_limits',
    columns: [
      col.varchar('id', 36, { primary: true }),
      col.varchar('api_key_id', 36),
      col.varchar('limit_type', 16),
      col.varchar('limit_window', 16),
      col.bigint('max_value'),
      col.bigint('current_value'),
      col.varchar('model_filter', 128, { nullable: true }),
      col.instant('reset_at'),
    ],
    indices: [index('ix_api_key_limits_api_key_id', 'api_key_id')],
    foreignKeys: [foreignKey('fk_api_key_limits_api_key', 'api_key_id', 'api_keys', 'CASCADE')],
  }),
  new Table({
    name: 'api_key_usage_reservations',
    columns: [
      col.varchar('id', 40, { primary: true }),
      col.varchar('api_key_id', 36),
      col.varchar('model', 128),
      col.varchar('status', 16),
      col.instant('created_at'),
      col.instant('updated_at'),
    ],
    indices: [index('ix_api_key_usage_reservations_api_key_id', 'api_key_id')],
    foreignKeys: [foreignKey('fk_api_key_usage_reservations_api_key', 'api_key_id', 'api_keys', 'CASCADE')],
  }),
  new Table({
    name: 'api_key_usage_reservation_items',
    columns: [
      col.varchar('reservation_id', 40, { primary: true }),
      col.varchar('limit_id', 36, { primary: true }),
      col.bigint('reserved_delta'),
      col.bigint('actual_delta', { nullable: true }),
      col.instant('window_reset_at'),
    ],
    foreignKeys: [
      foreignKey('fk_api_key_usage_reservation_items_reservation', 'reservation_id', 'api_key_usage_reservations', 'CASCADE'),
      foreignKey('fk_api_key_usage_reservation_items_limit', 'limit_id', 'api_key_limits', 'CASCADE'),
    ],
  }),
  new Table({
    name: 'request_logs',
    columns: [
      col.varchar('id', 36, { primary: true }),
      col.instant('requested_at'),
      col.varchar('account_id', 160, { nullable: true }),
      col.varchar('api_key_id', 36, { nullable: true }),
      col.varchar('request_id', 128),
      col.varchar('session_id', 256, { nullable: true }),
      col.varchar('model', 128, { nullable: true }),
      col.varchar('service_tier', 32, { nullable: true }),
      col.varchar('reasoning_effort', 32, { nullable: true }),
      col.varchar('transport', 16, { nullable: true }),
      col.varchar('status', 16),
      col.varchar('error_code', 128, { nullable: true }),
      col.text('error_message', { nullable: true }),
      col.integer('upstream_status_code', { nullable: true }),
      col.integer('input_tokens', { nullable: true }),
      col.integer('output_tokens', { nullable: true }),
      col.integer('cached_input_tokens', { nullable: true }),
      col.integer('reasoning_tokens', { nullable: true }),
      col.double('cost_usd', { nullable: true }),
      col.integer('latency_ms', { nullable: true }),
      col.integer('latency_first_token_ms', { nullable: true }),
      col.varchar('client_ip', 64, { nullable: true }),
      col.text('user_agent', { nullable: true }),
    ],
    indices: [
      index('ix_request_logs_requested_at', 'requested_at'),
      index('ix_request_logs_account_requested_at', 'account_id', 'requested_at'),
      index('ix_request_logs_api_key_requested_at', 'api_key_id', 'requested_at'),
    ],
    foreignKeys: [
      foreignKey('fk_request_logs_account', 'account_id', 'accounts', 'SET NULL'),
      foreignKey('fk_request_logs_api_key', 'api_key_id', 'api_keys', 'SET NULL'),
    ],
  }),
  new Table({
    name: 'usage_history',
    columns: [
      col.varchar('id', 36, { primary: true }),
      col.varchar('account_id', 160),
      col.instant('recorded_at'),
      col.varchar('window', 16),
      col.double('used_percent'),
      col.instant('reset_at', { nullable: true }),
      col.integer('window_minutes', { nullable: true }),
      col.bool('credits_has_credits', { nullable: true }),
      col.bool('credits_unlimited', { nullable: true }),
      col.double('credits_balance', { nullable: true }),
      col.varchar('source', 8),
    ],
    indices: [index('ix_usage_history_account_recorded_at', 'account_id', 'recorded_at')],
    foreignKeys: [foreignKey('fk_usage_history_account', 'account_id', 'accounts', 'CASCADE')],
  }),
  new Table({
    name: 'account_refresh_claims',
    columns: [
      col.varchar('account_id', 160, { primary: true }),
      col.varchar('claimed_by', 64),
      col.instant('claimed_at'),
      col.instant('claim_expires_at'),
    ],
    foreignKeys: [foreignKey('fk_account_refresh_claims_account', 'account_id', 'accounts', 'CASCADE')],
  }),
  new Table({
    name: 'scheduler_leader',
    columns: [
      col.integer('id', { primary: true }),
      col.varchar('leader_id', 100),
      col.instant('acquired_at'),
      col.instant('expires_at'),
    ],
  }),
  new Table({
    name: 'sticky_sessions',
    columns: [
      col.varchar('key', 512, { primary: true }),
      col.varchar('kind', 32, { primary: true }),
      col.varchar('account_id', 160),
      col.instant('created_at'),
      col.instant('updated_at'),
      col.instant('expires_at', { nullable: true }),
    ],
    indices: [
      index('ix_sticky_sessions_account_id', 'account_id'),
      index('ix_sticky_sessions_expires_at', 'expires_at'),
    ],
    foreignKeys: [foreignKey('fk_sticky_sessions_account', 'account_id', 'accounts', 'CASCADE')],
  }),
  new Table({
    name: 'runtime_sentinels',
    columns: [col.varchar('name', 64, { primary: true }), col.text('value'), col.instant('created_at')],
  }),
  ];
}

export class InitialSchema1763683200000 implements MigrationInterface {
  readonly name = 'InitialSchema1763683200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables()) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables().reverse()) await queryRunner.dropTable(table.name);
  }
}
