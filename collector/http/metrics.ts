// Prometheus text exposition, hand-written: uploads, check-ins, rejects by reason, devices by status,
// failing findings by rule and state, devices not seen within the stale window, request latency
// histogram per route, alert events and delivery attempts, scheduled job runs.
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** What /metrics reads from the store about alerting and jobs (counted at most every 10 s). */
export interface AlertGauges {
  /** Per channel: deliveries waiting, dead-lettered, and whether a 410 disabled it. */
  channels: { channel: string; pending: number; dead: number; disabled: boolean }[];
  incidentsOpen: number;
  incidentsExempted: number;
  /** Per job: the end of its last successful run (epoch seconds). */
  jobsLastSuccess: { job: string; at: number }[];
}

const NO_ALERTS: AlertGauges = { channels: [], incidentsOpen: 0, incidentsExempted: 0, jobsLastSuccess: [] };

/** A label value as the exposition format writes it. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Failing findings of one rule in one state (exempted, pending, active), as the store counts them. */
export interface FindingsGauge {
  rule: string;
  state: string;
  findings: number;
}

export class Metrics {
  readonly uploads = new Map<string, number>();
  readonly checkins = new Map<string, number>();
  readonly rejects = new Map<string, number>();
  readonly enrollments = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  #dropped = 0;
  #adminAuthFailures = 0;
  readonly alertEvents = new Map<string, number>();
  /** Keyed `channel="..",outcome=".."`. */
  readonly alertAttempts = new Map<string, number>();
  /** Keyed `job="..",outcome=".."`. */
  readonly jobRuns = new Map<string, number>();

  /** Events fanned out to the channels (the delivery worker's AlertCounters). */
  routed(type: string, n: number): void {
    this.alertEvents.set(type, (this.alertEvents.get(type) ?? 0) + n);
  }

  attempt(channel: string, outcome: string): void {
    Metrics.inc(this.alertAttempts, `channel="${label(channel)}",outcome="${label(outcome)}"`);
  }

  jobRan(job: string, outcome: string): void {
    Metrics.inc(this.jobRuns, `job="${label(job)}",outcome="${label(outcome)}"`);
  }

  /** A request to an admin route without the right admin token. */
  adminAuthFailed(): void {
    this.#adminAuthFailures++;
  }

  /** A new connection closed at once because maxConnections were open. */
  connectionDropped(): void {
    this.#dropped++;
  }

  static inc(m: Map<string, number>, key: string): void {
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${route}",status="${Math.floor(status / 100)}xx"`;
    let h = this.#latency.get(key);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(key, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) (h.counts[i] as number)++;
    h.sum += seconds;
    h.count++;
  }

  /**
   * `findings`: every rule and state to export, zeros included (a series that vanishes when a count falls
   * to 0 would leave an alert on it pending instead of resolved).
   */
  render(
    devicesByStatus: Record<string, number>,
    openIdentityConflicts = 0,
    findings: readonly FindingsGauge[] = [],
    alerts = NO_ALERTS,
  ): string {
    const out: string[] = [];
    const counter = (name: string, help: string, label: string, m: Map<string, number>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of [...m].sort()) out.push(`${name}{${label}="${k}"} ${v}`);
    };
    counter(
      'tokenwatch_uploads_total',
      'Accepted snapshot uploads by result (changed, unchanged, replay).',
      'result',
      this.uploads,
    );
    counter('tokenwatch_checkins_total', 'Accepted check-ins.', 'result', this.checkins);
    counter('tokenwatch_enrollments_total', 'Enrollment attempts by outcome.', 'outcome', this.enrollments);
    counter('tokenwatch_rejects_total', 'Refused requests by error code.', 'reason', this.rejects);
    out.push(
      '# HELP tokenwatch_admin_auth_failures_total Admin requests without the right admin token (missing or wrong).',
      '# TYPE tokenwatch_admin_auth_failures_total counter',
      `tokenwatch_admin_auth_failures_total ${this.#adminAuthFailures}`,
    );
    out.push(
      '# HELP tokenwatch_connections_dropped_total Connections closed at once because maxConnections were open.',
      '# TYPE tokenwatch_connections_dropped_total counter',
      `tokenwatch_connections_dropped_total ${this.#dropped}`,
    );
    out.push(
      '# HELP tokenwatch_devices Devices by compliance status now.',
      '# TYPE tokenwatch_devices gauge',
    );
    for (const [k, v] of Object.entries(devicesByStatus)) out.push(`tokenwatch_devices{status="${k}"} ${v}`);
    out.push(
      '# HELP tokenwatch_devices_stale Devices without an upload or check-in within staleAfterSeconds (the stale rule failing), exempted or not.',
      '# TYPE tokenwatch_devices_stale gauge',
      `tokenwatch_devices_stale ${findings.filter((f) => f.rule === 'stale').reduce((n, f) => n + f.findings, 0)}`,
    );
    out.push(
      '# HELP tokenwatch_findings Failing findings by rule and state (active, pending: inside the grace window, exempted).',
      '# TYPE tokenwatch_findings gauge',
    );
    for (const f of findings)
      out.push(`tokenwatch_findings{rule="${f.rule}",state="${f.state}"} ${f.findings}`);
    out.push(
      '# HELP tokenwatch_identity_conflicts_open Identity conflicts waiting for an admin.',
      '# TYPE tokenwatch_identity_conflicts_open gauge',
      `tokenwatch_identity_conflicts_open ${openIdentityConflicts}`,
    );
    counter(
      'tokenwatch_alert_events_total',
      'Alert events fanned out to the channels, by type.',
      'type',
      this.alertEvents,
    );
    const labelled = (name: string, help: string, type: string, m: Map<string, number>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [k, v] of [...m].sort()) out.push(`${name}{${k}} ${v}`);
    };
    labelled(
      'tokenwatch_alert_attempts_total',
      'Alert delivery attempts by channel and outcome (delivered, retry, dead, disabled).',
      'counter',
      this.alertAttempts,
    );
    const gauge = (name: string, help: string, rows: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [k, v] of rows) out.push(`${name}${k} ${v}`);
    };
    const ch = (c: string) => `{channel="${label(c)}"}`;
    gauge(
      'tokenwatch_alert_deliveries_pending',
      'Alert deliveries waiting to be sent (or retried), by channel.',
      alerts.channels.map((c) => [ch(c.channel), c.pending]),
    );
    gauge(
      'tokenwatch_alert_deliveries_dead',
      'Alert deliveries given up after their last attempt (dead letters), by channel.',
      alerts.channels.map((c) => [ch(c.channel), c.dead]),
    );
    gauge(
      'tokenwatch_alert_channel_disabled',
      '1 when a channel is disabled because its receiver answered 410 Gone.',
      alerts.channels.map((c) => [ch(c.channel), c.disabled ? 1 : 0]),
    );
    gauge('tokenwatch_incidents', 'Incidents not resolved, by state (open, exempted).', [
      ['{state="open"}', alerts.incidentsOpen],
      ['{state="exempted"}', alerts.incidentsExempted],
    ]);
    labelled(
      'tokenwatch_job_runs_total',
      'Scheduled job runs by job and outcome (ok, failed, skipped).',
      'counter',
      this.jobRuns,
    );
    gauge(
      'tokenwatch_job_last_success_timestamp_seconds',
      'When each scheduled job last ended well (epoch seconds).',
      alerts.jobsLastSuccess.map((j) => [`{job="${label(j.job)}"}`, j.at]),
    );
    out.push(
      '# HELP tokenwatch_http_request_duration_seconds Request latency.',
      '# TYPE tokenwatch_http_request_duration_seconds histogram',
    );
    for (const [labels, h] of [...this.#latency].sort((a, b) => a[0].localeCompare(b[0]))) {
      BUCKETS.forEach((b, i) =>
        out.push(`tokenwatch_http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`),
      );
      out.push(`tokenwatch_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`tokenwatch_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`tokenwatch_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    return out.join('\n') + '\n';
  }
}
