import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { World } from '../core/world.js';

/**
 * GitHub Apps in the simulated world: an App has a key pair (the simulator keeps the public
 * half to check JWTs), an installation on one account, and a bot user (`<slug>[bot]`) that
 * installation tokens act as — it sees the repositories it is made a member of.
 */

export interface SimApp {
  id: number;
  slug: string;
  publicKey: string;
  installationId: number;
  /** The org or user that installed the App. */
  account: string;
  botUsername: string;
  /** Installation tokens minted, newest last, with their expiry (ISO). */
  tokens: { token: string; expiresAt: string }[];
}

const registries = new WeakMap<World, Map<number, SimApp>>();

export function simApps(world: World): Map<number, SimApp> {
  let apps = registries.get(world);
  if (!apps) registries.set(world, (apps = new Map()));
  return apps;
}

/** Create an App installed on `account`; returns what its owner would download (the private key). */
export function createGithubApp(
  world: World,
  input: { slug: string; account: string },
): { appId: number; privateKey: string; installationId: number; botUsername: string } {
  const apps = simApps(world);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = 100_000 + apps.size + 1;
  const botUsername = `${input.slug}[bot]`;
  world.createUser({ username: botUsername, name: input.slug, bot: true });
  const app: SimApp = {
    id,
    slug: input.slug,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    installationId: 40_000_000 + apps.size + 1,
    account: input.account,
    botUsername,
    tokens: [],
  };
  apps.set(id, app);
  return {
    appId: id,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    installationId: app.installationId,
    botUsername,
  };
}

/** A new installation token for the App's bot user: `ghs_` and 36 characters, like GitHub's. */
export function mintInstallationToken(
  world: World,
  app: SimApp,
  now: Date,
): { token: string; expiresAt: string } {
  const token = `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`;
  world.createToken(app.botUsername, { token });
  const minted = {
    token,
    expiresAt: new Date(now.getTime() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  app.tokens.push(minted);
  return minted;
}
