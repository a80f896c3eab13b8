/**
 * What the cluster admin who installs the operator allows CodexLBs to ask for (operator flags). A
 * CodexLB field is set by whoever may edit the CodexLB, so limits on it can only come from the
 * operator's own configuration: the proxy image, and where account tokens may be sent.
 */
import { FLAVOR_IMAGES, PROXY_FLAVORS } from '../../api/codexlb-proxy.ts';
import type { CodexLB } from '../../api/crds.ts';
import { imageRepository } from '../../render/effective.ts';
import { DegradedReason, type Problem } from '../conditions.ts';

export interface InstallPolicy {
  /** Image repositories CodexLBs may run: exact repositories, or prefixes ending in "/"; "*" allows any. */
  allowedImages: string[];
  /** Hosts the upstream and OAuth token URLs may name: exact hosts, "*.domain" for subdomains; "*" allows any. */
  allowedUpstreamHosts: string[];
  /** Allow http:// upstream and OAuth URLs (tokens then travel in clear text). */
  allowInsecureUpstream: boolean;
}

/** The hosts of the proxy's own defaults (https://chatgpt.com/backend-api, https://auth.openai.com/oauth/token). */
export const DEFAULT_UPSTREAM_HOSTS = ['chatgpt.com', 'auth.openai.com'];

export const DEFAULT_INSTALL_POLICY: InstallPolicy = {
  // The images the operator knows how to run: its bundled proxy and the official application.
  allowedImages: PROXY_FLAVORS.map((flavor) => FLAVOR_IMAGES[flavor].repository),
  allowedUpstreamHosts: DEFAULT_UPSTREAM_HOSTS,
  allowInsecureUpstream: false,
};

export function imageAllowed(repository: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => entry === '*' || entry === repository || (entry.endsWith('/') && repository.startsWith(entry)));
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e === '*' || e === h || (e.startsWith('*.') && h.endsWith(e.slice(1)));
  });
}

/** Why the URL in `field` may not receive account tokens, or undefined when it may. */
export function urlProblem(field: string, value: string, policy: InstallPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} is not a valid URL`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowInsecureUpstream)) {
    return `${field} must use https (the operator runs without --allow-insecure-upstream)`;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!hostAllowed(host, policy.allowedUpstreamHosts)) {
    return `${field} names host "${host}", which is not in the operator's --allowed-upstream-hosts (${policy.allowedUpstreamHosts.join(', ')})`;
  }
  return undefined;
}

/** The first thing in the spec the policy forbids, or undefined. Pure: runs before anything is read or written. */
export function policyProblem(cr: CodexLB, policy: InstallPolicy): Problem | undefined {
  const repository = imageRepository(cr.spec);
  if (!imageAllowed(repository, policy.allowedImages)) {
    return {
      reason: DegradedReason.ImageNotAllowed,
      message: `spec.image.repository "${repository}" is not allowed by the operator's --allowed-images (${policy.allowedImages.join(', ')})`,
    };
  }
  const { baseURL, oauthTokenURL } = cr.spec.config.upstream;
  for (const [field, value] of [
    ['spec.config.upstream.baseURL', baseURL],
    ['spec.config.upstream.oauthTokenURL', oauthTokenURL],
  ] as const) {
    const problem = value === undefined ? undefined : urlProblem(field, value, policy);
    if (problem) return { reason: DegradedReason.UpstreamNotAllowed, message: problem };
  }
  return undefined;
}
