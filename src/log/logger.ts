import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import { mask, maskDeep } from '../secrets/masker.js';

/**
 * pino JSON logs on stderr (stdout is for command output), pretty on a TTY. Every argument is
 * masked before pino sees it, so a secret cannot reach a log line.
 */

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable lines (default: when stderr is a TTY). */
  pretty?: boolean;
  destination?: DestinationStream;
}

let rootDestination: DestinationStream | undefined;

async function prettyStream(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    sync: true,
    colorize: true,
    destination: 2,
    ignore: 'pid,hostname',
    translateTime: 'SYS:HH:MM:ss',
  });
}

function baseOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: undefined,
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? mask(a) : maskDeep(a)));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
}

export async function createLogger(options: LoggerOptions = {}): Promise<Logger> {
  const level = options.level ?? process.env.RELEASE_BOT_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  rootDestination =
    options.destination ?? (pretty ? await prettyStream() : pino.destination({ fd: 2, sync: true }));
  return pino(baseOptions(level), rootDestination);
}

/** A silent logger for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * A logger for one run: writes where `parent` writes and also keeps the (masked) lines, capped,
 * so the run's log can be stored in history and shown on the status page.
 */
export function createRunLogger(
  parent: Logger,
  bindings: Record<string, string>,
  maxLines = 500,
): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  let dropped = 0;
  const collector = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        if (lines.length < maxLines) lines.push(line);
        else dropped++;
      }
      if (dropped > 0 && lines.length === maxLines)
        lines[maxLines - 1] = JSON.stringify({ msg: `… ${dropped} more lines` });
      done();
    },
  });
  const streams: pino.StreamEntry[] = [{ stream: collector, level: 'debug' }];
  if (rootDestination && parent.level !== 'silent')
    streams.push({ stream: rootDestination, level: parent.level as pino.Level });
  const log = pino({ ...baseOptions('debug') }, pino.multistream(streams)).child(bindings);
  return { log, lines };
}
