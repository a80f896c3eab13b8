/**
 * Structured JSON logs (winston). Values under keys that name credentials are replaced before they
 * reach any transport, so a careless `log.info('x', { secret })` cannot leak one.
 */
import winston from 'winston';

export type Logger = winston.Logger;

// Key names whose values are credentials, plus Secret payloads (`data`, `stringData`).
const SECRET_KEY = /(token|password|passwd|secret|authorization|credentials?|api_?key|encryption_?key|database_?url)$|^(data|stringData)$/i;
const REDACTED = '[redacted]';

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && (typeof v === 'string' || (typeof v === 'object' && v !== null)) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const [k, v] of Object.entries(info)) {
    if (k === 'level' || k === 'message') continue;
    (info as Record<string, unknown>)[k] = SECRET_KEY.test(k) && typeof v === 'string' ? REDACTED : redact(v);
  }
  return info;
});

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', stream?: NodeJS.WritableStream): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console({ stderrLevels: [] })],
  });
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
