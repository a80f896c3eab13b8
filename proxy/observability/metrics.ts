/**
 * Prometheus metrics (`codex_lb_*`, the names the upstream chart's alerts and dashboards use:
 * `codex_lb_requests_total{status}`, `codex_lb_request_duration_seconds`, `codex_lb_accounts_total{status}`).
 * One registry per process, served on `CODEX_LB_METRICS_PORT`. Labels never carry secrets or
 * unbounded values: routes are templates, accounts appear only as counts by status.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RingView } from '../cluster/ring.ts';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 7200];
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

export interface AccountCounts {
  byStatus(): Promise<Record<string, number>>;
}

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly requestDuration: Histogram<'route'>;
  readonly timeToFirstToken: Histogram<'route'>;
  readonly upstreamRequests: Counter<'outcome'>;
  readonly upstreamErrors: Counter<'class' | 'code'>;
  readonly rateLimitHits: Counter<'kind'>;
  readonly tokenRefreshes: Counter<'reason'>;
  readonly streamsInflight: Gauge;
  /** Session turns by where they ran: local, forwarded, taken_over (owner unreachable), refused. */
  readonly sessionTurns: Counter<'outcome'>;
  readonly backgroundFailures: Counter<'operation'>;
  readonly upstreamDuration: Histogram<'outcome'>;
  readonly firstTokenPhases: Histogram<'route' | 'phase'>;
  readonly activeConnections: Gauge<'transport'>;
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    options: {
      accounts?: AccountCounts;
      inflight?: () => number;
      bridgeSessions?: () => number;
      ring?: RingView;
      openCircuits?: () => number;
    } = {},
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'codex_lb_requests_total', help: 'Proxy requests by route template and HTTP status', labelNames: ['route', 'method', 'status'], registers });
    this.requestDuration = new Histogram({ name: 'codex_lb_request_duration_seconds', help: 'Time from request to the end of the response', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    this.timeToFirstToken = new Histogram({ name: 'codex_lb_time_to_first_token_seconds', help: 'Time from request to the first output delta', labelNames: ['route'], buckets: TTFT_BUCKETS, registers });
    this.upstreamRequests = new Counter({ name: 'codex_lb_upstream_requests_total', help: 'Upstream attempts by outcome (accepted, failed)', labelNames: ['outcome'], registers });
    this.upstreamErrors = new Counter({ name: 'codex_lb_upstream_errors_total', help: 'Upstream failures by classification and error code', labelNames: ['class', 'code'], registers });
    this.rateLimitHits = new Counter({ name: 'codex_lb_rate_limit_hits_total', help: 'Upstream rate-limit and quota answers', labelNames: ['kind'], registers });
    this.tokenRefreshes = new Counter({ name: 'codex_lb_token_refreshes_total', help: 'Token refreshes forced by the request path', labelNames: ['reason'], registers });
    this.backgroundFailures = new Counter({
      name: 'codex_lb_background_failures_total',
      help: 'Work that outlives its request and failed (sticky-session writes, mid-stream failure records, WebSocket errors), by operation',
      labelNames: ['operation'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'codex_lb_upstream_request_duration_seconds',
      help: 'One upstream attempt, from sending it to its last byte or its refusal, by outcome (completed, failed, cancelled)',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.firstTokenPhases = new Histogram({
      name: 'codex_lb_time_to_first_token_phase_seconds',
      help:
        'Time to first token split in two: phase="proxy" from the request to sending the accepted upstream attempt (API key, account ' +
        'selection, token refresh, failover), phase="upstream" from there to the first output delta',
      labelNames: ['route', 'phase'],
      buckets: TTFT_BUCKETS,
      registers,
    });
    this.activeConnections = new Gauge({
      name: 'codex_lb_active_connections',
      help: 'Client requests being answered (transport="http") and open client WebSockets (transport="websocket")',
      labelNames: ['transport'],
      registers,
    });
    // Both series exist from the start, so dashboards and alerts see 0 rather than nothing.
    for (const transport of ['http', 'websocket']) this.activeConnections.set({ transport }, 0);
    const inflight = options.inflight;
    this.streamsInflight = new Gauge({
      name: 'codex_lb_stream_pool_inflight',
      help: 'Upstream streams currently open',
      registers,
      collect() {
        if (inflight) this.set(inflight());
      },
    });
    this.sessionTurns = new Counter({ name: 'codex_lb_bridge_turns_total', help: 'Session turns by where they ran (local, forwarded, taken_over, refused)', labelNames: ['outcome'], registers });
    const bridgeSessions = options.bridgeSessions;
    new Gauge({
      name: 'codex_lb_bridge_sessions',
      help: 'Sessions whose upstream socket this replica holds',
      registers,
      collect() {
        this.set(bridgeSessions?.() ?? 0);
      },
    });
    const ringMembers = new Gauge({ name: 'codex_lb_bridge_ring_members', help: 'Live replicas in the ring, as this replica last read it', registers });
    options.ring?.onChange((members) => {
      if (members) ringMembers.set(members.length);
    });
    const openCircuits = options.openCircuits;
    new Gauge({
      name: 'codex_lb_circuit_breaker_open_accounts',
      help: 'Accounts whose circuit breaker is open or probing',
      registers,
      collect() {
        this.set(openCircuits?.() ?? 0);
      },
    });
    const loopDelay = this.#loopDelay;
    loopDelay.enable();
    new Gauge({
      name: 'codex_lb_event_loop_lag_seconds',
      help: 'Event loop delay (p99 over the last scrape interval)',
      registers,
      collect() {
        this.set(loopDelay.percentile(99) / 1e9);
        loopDelay.reset();
      },
    });
    const accounts = options.accounts;
    if (accounts) {
      new Gauge({
        name: 'codex_lb_accounts_total',
        help: 'Accounts in the pool by status',
        labelNames: ['status'],
        registers,
        async collect() {
          this.reset();
          for (const [status, count] of Object.entries(await accounts.byStatus())) this.set({ status }, count);
        },
      });
    }
  }

  close(): void {
    this.#loopDelay.disable();
  }
}
