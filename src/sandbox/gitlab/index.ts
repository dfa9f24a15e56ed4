import { createView, type View } from '../core/server.js';
import type { ViewContext } from '../core/view-context.js';
import { SimError } from '../core/world.js';

/**
 * GitLab REST v4 view of the simulated world, served under `/api/v4`.
 * Error bodies follow GitLab's helpers: `{"message": "404 Project Not Found"}`,
 * `{"message": "401 Unauthorized"}`, `{"error": "404 Not Found"}` for unknown routes.
 */
export function createGitlabView(ctx: ViewContext): View {
  const view = createView({
    forge: 'gitlab',
    world: ctx.world,
    faults: ctx.faults,
    log: ctx.log,
    beforeRequest: ctx.beforeRequest,
    errorBody(status, message, code) {
      if (code === 'unknown_route') return { error: '404 Not Found' };
      if (status === 401) return { message: '401 Unauthorized' };
      return { message: /^\d{3} /.test(message) ? message : `${status} ${message}` };
    },
    tokenFrom(req, url) {
      const header = req.headers['private-token'];
      if (typeof header === 'string') return header;
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ')) return auth.slice(7);
      return url.searchParams.get('private_token') ?? undefined;
    },
  });

  view.add('GET', '/api/v4/user', (req) => {
    const user = req.user;
    if (!user) throw new SimError(401, 'Unauthorized');
    return {
      body: {
        id: user.id,
        username: user.username,
        name: user.name,
        state: 'active',
        avatar_url: null,
        web_url: `${ctx.world.webUrl.gitlab}/${user.username}`,
        email: user.email,
        is_admin: user.admin,
        bot: user.bot,
        created_at: user.createdAt,
      },
    };
  });

  return view;
}
