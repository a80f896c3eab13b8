/**
 * Every migration of this build, oldest first. The last one is the schema "head" the migration CLI reports.
 * Append only: a released migration is never edited (a database may already have run it).
 */
import { InitialSchema1763683200000 } from './1763683200000-initial-schema.ts';
import { ReservationHolder1764892800000 } from './1764892800000-reservation-holder.ts';
import { BridgeRing1765497600000 } from './1765497600000-bridge-ring.ts';
import { Dashboard1766102400000 } from './1766102400000-dashboard.ts';

export const MIGRATIONS = [InitialSchema1763683200000, ReservationHolder1764892800000, BridgeRing1765497600000, Dashboard1766102400000];
