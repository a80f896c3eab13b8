/** Every entity schema, in one list for the DataSource. */
import { AccountEntity } from './account.ts';
import { RingMemberEntity, SessionOwnerEntity } from './bridge.ts';
import { ApiKeyEntity, ApiKeyLimitEntity, UsageReservationEntity, UsageReservationItemEntity } from './api-key.ts';
import { RefreshClaimEntity, RuntimeSentinelEntity, SchedulerLeaderEntity, StickySessionEntity } from './coordination.ts';
import { RequestLogEntity } from './request-log.ts';
import { UsageHistoryEntity } from './usage-history.ts';

export const ENTITIES = [
  AccountEntity,
  ApiKeyEntity,
  ApiKeyLimitEntity,
  UsageReservationEntity,
  UsageReservationItemEntity,
  RequestLogEntity,
  UsageHistoryEntity,
  RefreshClaimEntity,
  SchedulerLeaderEntity,
  StickySessionEntity,
  RuntimeSentinelEntity,
  RingMemberEntity,
  SessionOwnerEntity,
];
