/**
 * API-key reservations record which process holds them (`holder`, the replica's instance id), so a restarted
 * replica gives back what its crashed predecessor held, and are found by status and age when their heartbeats
 * stop (issue 12 item 9: budget held forever after `kill -9`).
 */
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, index } from './ddl.ts';

const TABLE = 'api_key_usage_reservations';
const INDEX = 'ix_api_key_usage_reservations_status_updated_at';

export class ReservationHolder1764892800000 implements MigrationInterface {
  readonly name = 'ReservationHolder1764892800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(TABLE, new TableColumn(col.varchar('holder', 128, { nullable: true })));
    await queryRunner.createIndex(TABLE, new TableIndex(index(INDEX, 'status', 'updated_at')));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(TABLE, INDEX);
    await queryRunner.dropColumn(TABLE, 'holder');
  }
}
