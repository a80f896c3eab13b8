/** What the dashboard's routes use, assembled once (wiring.ts) and passed in: no module below reads globals. */
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { AccountAdmin } from '../accounts/admin.ts';
import type { ApiKeyAdmin } from '../apikeys/admin.ts';
import type { DataSource } from 'typeorm';
import type { DashboardAuth } from './auth/dashboard-auth.ts';
import type { LoginFlows } from './oauth/login-flows.ts';
import type { FirewallList } from './settings/firewall-list.ts';
import type { RuntimeSettings } from './settings/runtime-settings.ts';

export interface DashboardServices {
  readonly dataSource: DataSource;
  readonly auth: DashboardAuth;
  readonly accounts: AccountRepository;
  readonly accountAdmin: Pick<AccountAdmin, 'importAuthJson' | 'update' | 'delete'>;
  readonly apiKeys: Pick<ApiKeyAdmin, 'create' | 'list' | 'update' | 'delete'>;
  readonly settings: RuntimeSettings;
  readonly firewall: FirewallList;
  readonly logins: LoginFlows;
  /** After an import (auth.json or login): e.g. poll the account's usage right away. */
  readonly imported?: (accountId: string) => void;
  /** The built UI (index.html + assets); the UI routes 404 when it was not built. */
  readonly staticDir: string | undefined;
  readonly now?: () => Date;
}
