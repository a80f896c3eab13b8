/**
 * The dashboard (issue 10): run-time settings, login sessions, the firewall allow-list, pending ChatGPT logins,
 * hourly usage rollups (filled from the request logs already stored), and `accounts.managed_by`, the resource that
 * manages an account (a ChatGPTAccount), whose fields the dashboard then shows read-only.
 */
import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, foreignKey, index } from './ddl.ts';

function tables(): Table[] {
  return [
    new Table({
      name: 'dashboard_settings',
      columns: [
        col.integer('id', { primary: true }),
        col.varchar('routing_strategy', 32, { nullable: true }),
        col.bool('sticky_threads_enabled', { nullable: true }),
        col.bool('prefer_earlier_reset_accounts', { nullable: true }),
        col.text('password_hash', { nullable: true }),
        col.integer('password_generation'),
        col.integer('version'),
        col.instant('updated_at'),
      ],
    }),
    new Table({
      name: 'dashboard_sessions',
      columns: [
        col.varchar('id_hash', 64, { primary: true }),
        col.varchar('method', 32),
        col.varchar('subject', 256),
        col.integer('password_generation'),
        col.instant('created_at'),
        col.instant('expires_at'),
      ],
      indices: [index('ix_dashboard_sessions_expires_at', 'expires_at')],
    }),
    new Table({
      name: 'api_firewall_allowlist',
      columns: [col.varchar('ip_address', 64, { primary: true }), col.instant('created_at')],
    }),
    new Table({
      name: 'oauth_flows',
      columns: [
        col.varchar('flow_id', 32, { primary: true }),
        col.varchar('method', 16),
        col.varchar('status', 16),
        col.varchar('state_token', 64, { nullable: true }),
        col.text('code_verifier_encrypted', { nullable: true }),
        col.text('device_auth_id_encrypted', { nullable: true }),
        col.varchar('user_code', 64, { nullable: true }),
        col.integer('interval_seconds', { nullable: true }),
        col.instant('next_poll_at', { nullable: true }),
        col.varchar('error_code', 64, { nullable: true }),
        col.text('error_message', { nullable: true }),
        col.varchar('account_id', 160, { nullable: true }),
        col.instant('expires_at'),
        col.instant('created_at'),
        col.instant('finished_at', { nullable: true }),
      ],
      uniques: [{ name: 'uq_oauth_flows_state_token', columnNames: ['state_token'] }],
      indices: [index('ix_oauth_flows_expires_at', 'expires_at')],
    }),
    new Table({
      name: 'request_usage_hourly',
      columns: [
        col.bigint('bucket_start', { primary: true }),
        col.varchar('model', 128, { primary: true }),
        col.varchar('outcome', 128, { primary: true }),
        col.bigint('requests'),
        col.bigint('input_tokens'),
        col.bigint('output_tokens'),
        col.bigint('cached_input_tokens'),
        col.bigint('reasoning_tokens'),
        col.double('cost_usd'),
      ],
    }),
    new Table({
      name: 'api_key_usage_hourly',
      columns: [
        col.bigint('bucket_start', { primary: true }),
        col.varchar('api_key_id', 36, { primary: true }),
        col.bigint('requests'),
        col.bigint('errors'),
        col.bigint('input_tokens'),
        col.bigint('output_tokens'),
        col.bigint('cached_input_tokens'),
        col.double('cost_usd'),
      ],
      foreignKeys: [foreignKey('fk_api_key_usage_hourly_api_key', 'api_key_id', 'api_keys', 'CASCADE')],
    }),
  ];
}

/**
 * Fills the hourly rollups from `request_logs` (both dialects: instants are epoch-ms integers, so the hour is
 * arithmetic, and COALESCE reads missing values as 0). Exported for the dashboard benchmark, which seeds rows in bulk.
 */
export const ROLLUP_BACKFILL = [
  `INSERT INTO request_usage_hourly
     (bucket_start, model, outcome, requests, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd)
   SELECT requested_at - (requested_at % 3600000), COALESCE(model, ''),
          CASE WHEN status = 'error' THEN COALESCE(error_code, 'error') ELSE status END,
          COUNT(*), SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(output_tokens, 0)),
          SUM(COALESCE(cached_input_tokens, 0)), SUM(COALESCE(reasoning_tokens, 0)), SUM(COALESCE(cost_usd, 0))
   FROM request_logs
   GROUP BY requested_at - (requested_at % 3600000), COALESCE(model, ''),
            CASE WHEN status = 'error' THEN COALESCE(error_code, 'error') ELSE status END`,
  `INSERT INTO api_key_usage_hourly
     (bucket_start, api_key_id, requests, errors, input_tokens, output_tokens, cached_input_tokens, cost_usd)
   SELECT requested_at - (requested_at % 3600000), api_key_id, COUNT(*),
          SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), SUM(COALESCE(input_tokens, 0)),
          SUM(COALESCE(output_tokens, 0)), SUM(COALESCE(cached_input_tokens, 0)), SUM(COALESCE(cost_usd, 0))
   FROM request_logs
   WHERE api_key_id IS NOT NULL
   GROUP BY requested_at - (requested_at % 3600000), api_key_id`,
];

export class Dashboard1766102400000 implements MigrationInterface {
  readonly name = 'Dashboard1766102400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('accounts', new TableColumn(col.varchar('managed_by', 256, { nullable: true })));
    for (const table of tables()) await queryRunner.createTable(table, false, true, true);
    for (const statement of ROLLUP_BACKFILL) await queryRunner.query(statement);
    // The one settings row: every column null ("the environment's value"), no password yet.
    await queryRunner.query(
      'INSERT INTO dashboard_settings (id, password_generation, version, updated_at) VALUES (1, 0, 0, ' + String(Date.now()) + ')',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['api_key_usage_hourly', 'request_usage_hourly', 'oauth_flows', 'api_firewall_allowlist', 'dashboard_sessions', 'dashboard_settings']) {
      await queryRunner.dropTable(name);
    }
    await queryRunner.dropColumn('accounts', 'managed_by');
  }
}
