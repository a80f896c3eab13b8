/**
 * Who is the client? (reference/proxy-contract.md §10) The socket peer, unless forwarding headers
 * are trusted (`CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS`) *and* the peer is a trusted proxy
 * (`CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS`); then the X-Forwarded-For chain is walked right to left
 * past trusted hops. A chain we cannot read resolves to nothing, which an active allow-list denies:
 * a forged or garbled header must never widen access.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export interface ProxyTrust {
  trustProxyHeaders: boolean;
  trustedProxies: BlockList;
}

export function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; brackets and ports removed; undefined when not an IP. */
export function normalizeIp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let value = raw.trim();
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
  else if (value.split(':').length === 2) value = value.split(':')[0] ?? '';
  if (value.toLowerCase().startsWith('::ffff:') && isIP(value.slice(7)) === 4) value = value.slice(7);
  return isIP(value) ? value.toLowerCase() : undefined;
}

function contains(list: BlockList, ip: string): boolean {
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

function headerList(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** RFC 7239 `for=` values, in order. */
function forwardedFor(headers: IncomingHttpHeaders): string[] {
  return headerList(headers, 'forwarded').flatMap((element) =>
    element
      .split(';')
      .map((pair) => pair.trim())
      .filter((pair) => pair.toLowerCase().startsWith('for='))
      .map((pair) => pair.slice(4).replace(/^"|"$/g, '')),
  );
}

/** Walks a hop chain right to left; the first untrusted hop is the client. */
function walkChain(chain: readonly string[], trust: ProxyTrust): string | undefined {
  let candidate: string | undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const ip = normalizeIp(chain[i]);
    if (ip === undefined) return undefined;
    candidate = ip;
    if (!contains(trust.trustedProxies, ip)) return ip;
  }
  return candidate;
}

export function resolveClientIp(peer: string | undefined, headers: IncomingHttpHeaders, trust: ProxyTrust): string | undefined {
  const socketIp = normalizeIp(peer);
  if (socketIp === undefined) return undefined;
  if (!trust.trustProxyHeaders || !contains(trust.trustedProxies, socketIp)) return socketIp;
  const xff = headerList(headers, 'x-forwarded-for');
  if (xff.length > 0) return walkChain(xff, trust);
  const forwarded = forwardedFor(headers);
  if (forwarded.length > 0) return walkChain(forwarded, trust);
  return socketIp;
}

const LOOPBACK = blockListOf(['127.0.0.0/8', '::1/128']);
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'true-client-ip', 'cf-connecting-ip'];

export function isLoopback(ip: string | undefined): boolean {
  return ip !== undefined && contains(LOOPBACK, ip);
}

/**
 * A request from this machine: loopback client, a local Host, and no forwarding headers (a local
 * reverse proxy relaying remote traffic is not local). Keyless access is granted only to these.
 */
export function isLocalRequest(clientIp: string | undefined, headers: IncomingHttpHeaders, viaTrustedProxy: boolean): boolean {
  if (!isLoopback(clientIp)) return false;
  const host = (headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  if (!LOCAL_HOSTS.has(host)) return false;
  return viaTrustedProxy || FORWARDING_HEADERS.every((name) => headers[name] === undefined);
}
