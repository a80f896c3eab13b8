/**
 * Every error the dashboard API answers, in one place: the dashboard envelope `{"error":{"code","message"}}`
 * (reference/proxy-contract.md §13) carried by AdminError, which the admin API shares. Messages never contain a
 * password, token, session id or key.
 */
import { AdminError } from '../store/admin-error.ts';

export const dashboardErrors = {
  authenticationRequired: () => new AdminError(401, 'authentication_required', 'Log in to the dashboard first'),
  bootstrapRequired: () =>
    new AdminError(401, 'bootstrap_required', 'Set a dashboard password first (remote callers need the bootstrap token)'),
  proxyAuthRequired: (header: string) =>
    new AdminError(401, 'proxy_auth_required', `The trusted reverse proxy must send the ${header} header`),
  invalidCredentials: () => new AdminError(401, 'invalid_credentials', 'Wrong password'),
  invalidBootstrapToken: () => new AdminError(401, 'invalid_bootstrap_token', 'Invalid dashboard bootstrap token'),
  bootstrapUnavailable: () =>
    new AdminError(
      401,
      'bootstrap_unavailable',
      'Remote password setup needs CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN; or set the password on the proxy: codex-lb-proxy dashboard set-password',
    ),
  csrfFailed: () => new AdminError(403, 'csrf_failed', 'Missing or invalid X-CSRF-Token header'),
  passwordManagementDisabled: (mode: string) =>
    new AdminError(400, 'password_management_disabled', `Passwords are not used in dashboard auth mode ${mode}`),
  passwordAlreadyConfigured: () => new AdminError(409, 'password_already_configured', 'A dashboard password is already set'),
  passwordNotConfigured: () => new AdminError(409, 'password_not_configured', 'No dashboard password is set'),
  weakPassword: () => new AdminError(422, 'validation_error', 'Password must be 8 to 256 characters'),
  rateLimited: (retryAfterSeconds: number) =>
    new AdminError(429, 'rate_limited', `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, retryAfterSeconds),
  settingsConflict: () => new AdminError(409, 'settings_conflict', 'Settings changed meanwhile; reload and try again'),
  settingPinned: (field: string, variable: string) =>
    new AdminError(409, 'setting_pinned', `${field} is set by ${variable} in the proxy's environment`),
  managedAccount: (managedBy: string, fields: string) =>
    new AdminError(409, 'managed_by_resource', `${fields} of this account are managed by ${managedBy}; change that resource instead`),
  invalidAddress: (value: string) => new AdminError(422, 'validation_error', `${JSON.stringify(value)} is not an IP address or CIDR`),
  oauthFlowNotFound: () => new AdminError(404, 'not_found', 'No such login in progress'),
  oauthUnavailable: (message: string) => new AdminError(502, 'upstream_error', message),
};
