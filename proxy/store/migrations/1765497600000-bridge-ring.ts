/**
 * Replicated mode (issue 8): the ring of live replicas (`bridge_ring_members`) and the durable owner of each Codex
 * session (`http_bridge_sessions`), reference/proxy-contract.md §11.2.
 */
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, index } from './ddl.ts';

function tables(): Table[] {
  return [
    new Table({
      name: 'bridge_ring_members',
      columns: [
        col.varchar('instance_id', 128, { primary: true }),
        col.varchar('endpoint_base_url', 512, { nullable: true }),
        col.varchar('process_id', 64),
        col.instant('registered_at'),
        col.instant('heartbeat_at'),
        col.bool('draining'),
      ],
      indices: [index('ix_bridge_ring_members_heartbeat_at', 'heartbeat_at')],
    }),
    new Table({
      name: 'http_bridge_sessions',
      columns: [
        col.varchar('session_key', 64, { primary: true }),
        col.varchar('owner_instance_id', 128),
        col.integer('owner_epoch'),
        col.instant('lease_expires_at'),
        col.instant('created_at'),
        col.instant('updated_at'),
      ],
      indices: [
        index('ix_http_bridge_sessions_owner_instance_id', 'owner_instance_id'),
        index('ix_http_bridge_sessions_lease_expires_at', 'lease_expires_at'),
      ],
    }),
  ];
}

export class BridgeRing1765497600000 implements MigrationInterface {
  readonly name = 'BridgeRing1765497600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of tables()) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('http_bridge_sessions');
    await queryRunner.dropTable('bridge_ring_members');
  }
}
