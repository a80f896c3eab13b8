/**
 * The proxy's logger: winston, one line per event, JSON (`CODEX_LB_LOG_FORMAT=json`, what the
 * operator sets) or text. Every line goes through redaction last, so no call site can leak a token
 * or key by accident.
 */
import winston from 'winston';
import { redactText, redactValue } from './redact.ts';

export type LogFormat = 'json' | 'text';
export type Logger = winston.Logger;

const redaction = winston.format((info) => {
  const { level, message, ...meta } = info;
  const clean = redactValue(meta) as Record<string, unknown>;
  const out: winston.Logform.TransformableInfo = { level, message: typeof message === 'string' ? redactText(message) : redactValue(message) };
  for (const [key, value] of Object.entries(clean)) out[key] = value;
  return out;
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
