import type { Forge, ForgeUser } from '../forges/types.js';

/**
 * The account a forge's token acts as (the bot's user), asked once per run and forge: what the
 * bot finds again by name or marker is its own only if this account wrote it.
 */

const cache = new WeakMap<object, Map<string, Promise<ForgeUser>>>();

export function botUser(run: object, forge: Forge): Promise<ForgeUser> {
  let forges = cache.get(run);
  if (!forges) cache.set(run, (forges = new Map()));
  let user = forges.get(forge.name);
  if (!user) {
    user = forge.currentUser();
    // A failed lookup is asked again next time instead of failing every later caller.
    user.catch(() => forges.delete(forge.name));
    forges.set(forge.name, user);
  }
  return user;
}

/** Usernames compare case-insensitively on both forges. */
export function sameUser(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
