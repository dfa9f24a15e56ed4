import { randomBytes } from 'node:crypto';
import { mask } from '../secrets/masker.js';
import type { CommandRecord, Store } from '../store/types.js';

/** The command log: every control command a person gave, from the CLI or Slack, with who gave it. */

export async function recordCommand(
  store: Store,
  input: Omit<CommandRecord, 'id' | 'at'> & { at?: Date },
): Promise<CommandRecord> {
  const at = input.at ?? new Date();
  const record: CommandRecord = {
    id: `${at.getTime().toString(36)}-${randomBytes(4).toString('hex')}`,
    at: at.toISOString(),
    actor: mask(input.actor),
    via: input.via,
    command: mask(input.command),
    ok: input.ok,
    outcome: mask(input.outcome),
  };
  await store.recordCommand(record);
  return record;
}
