import type { View } from '../../core/server.js';
import type { World } from '../../core/world.js';
import { API } from '../context.js';

/**
 * `GET /personal_access_tokens/self`: the token describes itself (scopes, owner, expiry). GitLab
 * answers it for a token of any scope (lib/api/personal_access_tokens/self_information.rb allows
 * every scope), so it is registered on the view directly, past the api/read_api scope check.
 * `release-bot doctor` reads the scopes from it.
 */
export function registerTokenSelf(view: View, world: World): void {
  view.add('GET', `${API}/personal_access_tokens/self`, (req) => {
    const token = req.token!;
    const user = req.user!;
    const id = [...world.tokens.keys()].indexOf(token.token) + 1;
    return {
      body: {
        id,
        name: `${user.username}-token-${id}`,
        revoked: false,
        created_at: user.createdAt,
        description: null,
        scopes: token.scopes,
        user_id: token.userId,
        last_used_at: null,
        active: true,
        expires_at: null,
      },
    };
  });
}
