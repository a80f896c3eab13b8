/** Every entity schema, in one list for the DataSource. */
import { AccountEntity } from './account.ts';
import { RingMemberEntity, SessionOwnerEntity } from './bridge.ts';
import { ApiKeyEntity, ApiKeyLimitEntity, UsageReservationEntity, UsageReservationItemEntity } from './api-key.ts';
import { RefreshClaimEntity, RuntimeSentinelEntity, SchedulerLeaderEntity, StickySessionEntity } from './coordination.ts';
import { DashboardSessionEntity, DashboardSettingsEntity, FirewallEntryEntity, OAuthFlowEntity } from './dashboard.ts';
import { RequestLogEntity } from './request-log.ts';
import { ApiKeyUsageHourEntity, ModelUsageHourEntity } from './usage-rollup.ts';
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
  DashboardSettingsEntity,
  DashboardSessionEntity,
  FirewallEntryEntity,
  OAuthFlowEntity,
  ModelUsageHourEntity,
  ApiKeyUsageHourEntity,
];
