/**
 * Tables for replicated mode (reference/proxy-contract.md §11.2): the ring of live replicas and the
 * durable owner of each Codex session, so any replica can tell which replica holds a session's
 * upstream socket.
 */
import { EntitySchema } from 'typeorm';
import { bool, instant, integer, varchar } from '../columns.ts';

/** One replica: its identity, where peers reach it, and its heartbeat (database clock). */
export interface RingMemberRow {
  instanceId: string;
  /** The advertise URL; null when unset (such a member is never a forwarding target). */
  endpointBaseUrl: string | null;
  /** A fresh id per process: tells a restarted replica from the run it replaces. */
  processId: string;
  registeredAt: Date;
  heartbeatAt: Date;
  /** Draining: finishing its work, taking no new sessions. */
  draining: boolean;
}

export const RingMemberEntity = new EntitySchema<RingMemberRow>({
  name: 'RingMember',
  tableName: 'bridge_ring_members',
  columns: {
    instanceId: varchar(128, { primary: true }),
    endpointBaseUrl: varchar(512, { nullable: true }),
    processId: varchar(64),
    registeredAt: instant(),
    heartbeatAt: instant(),
    draining: bool(),
  },
  indices: [{ name: 'ix_bridge_ring_members_heartbeat_at', columns: ['heartbeatAt'] }],
});

/** Which replica owns a session (its upstream socket) until `leaseExpiresAt`; `ownerEpoch` fences takeovers. */
export interface SessionOwnerRow {
  sessionKey: string;
  ownerInstanceId: string;
  ownerEpoch: number;
  leaseExpiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const SessionOwnerEntity = new EntitySchema<SessionOwnerRow>({
  name: 'SessionOwner',
  tableName: 'http_bridge_sessions',
  columns: {
    sessionKey: varchar(64, { primary: true }),
    ownerInstanceId: varchar(128),
    ownerEpoch: integer(),
    leaseExpiresAt: instant(),
    createdAt: instant(),
    updatedAt: instant(),
  },
  indices: [
    { name: 'ix_http_bridge_sessions_owner_instance_id', columns: ['ownerInstanceId'] },
    { name: 'ix_http_bridge_sessions_lease_expires_at', columns: ['leaseExpiresAt'] },
  ],
});
