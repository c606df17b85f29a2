import { Logger } from '@aws-lambda-powertools/logger';

/** The few logger methods the engines use (Powertools Logger and `console` both fit). */
export interface EngineLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Powertools Logger (structured JSON in CloudWatch Logs) as an engine's logger: the one Lambda adapter. */
export function powertoolsLogger(serviceName: string): EngineLogger {
  const logger = new Logger({ serviceName });
  return {
    info: (message, extra) => logger.info(message, { ...extra }),
    warn: (message, extra) => logger.warn(message, { ...extra }),
    error: (message, extra) => logger.error(message, { ...extra }),
  };
}
