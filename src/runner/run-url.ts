import type { Config } from '../config/schema.js';

/** A run's page on the status server, when `server.publicUrl` says where people reach it. */
export function runUrlOf(config: Config, runId: string): string | undefined {
  const base = config.server.publicUrl;
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}`;
}
