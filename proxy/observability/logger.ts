/**
 * The proxy's logger: winston, one line per event, JSON (`CODEX_LB_LOG_FORMAT=json`, what the
 * operator sets) or text. Every line goes through redaction last, so no call site can leak a token
 * or key by accident.
 */
import winston from 'winston';
import { redactField, redactText } from './redact.ts';

export type LogFormat = 'json' | 'text';
export type Logger = winston.Logger;

// Rewrites the string-keyed fields in place: winston's own state lives under symbol keys and must survive.
const redaction = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    const value = info[key];
    info[key] = key === 'message' && typeof value === 'string' ? redactText(value) : redactField(key, value);
  }
  return info;
});

export interface LoggerOptions {
  format: LogFormat;
  level?: string;
  /** Defaults to stdout; tests pass a stream to read what was written. */
  stream?: NodeJS.WritableStream;
  /** Fixed fields on every line (component, instance id). */
  defaults?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), redaction(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          redaction(),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
            return `${String(timestamp)} ${level} ${String(message)}${rest}`;
          }),
        );
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({ level: options.level ?? 'info', format, defaultMeta: options.defaults, transports: [transport] });
}

/** A logger that drops everything (library defaults and tests that do not read logs). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
