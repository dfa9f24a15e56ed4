import { createView, type View } from '../core/server.js';
import type { ViewContext } from '../core/view-context.js';
import { SimError } from '../core/world.js';

const DOCS = 'https://docs.github.com/rest';

/**
 * GitHub REST v3 view of the simulated world, served at the listener's root (like api.github.com).
 * Error bodies: `{"message": "Not Found", "documentation_url": "..."}`, plus `errors` on 422.
 */
export function createGithubView(ctx: ViewContext): View {
  const view = createView({
    forge: 'github',
    world: ctx.world,
    faults: ctx.faults,
    log: ctx.log,
    beforeRequest: ctx.beforeRequest,
    errorBody(status, message) {
      if (status === 401) return { message: 'Bad credentials', documentation_url: DOCS, status: '401' };
      return { message, documentation_url: DOCS, status: String(status) };
    },
    tokenFrom(req) {
      const auth = req.headers.authorization;
      if (!auth) return undefined;
      const [scheme, value] = auth.split(' ');
      return scheme && /^(token|bearer)$/i.test(scheme) ? value : undefined;
    },
  });

  view.add('GET', '/user', (req) => {
    const user = req.user;
    if (!user) throw new SimError(401, 'Requires authentication');
    return {
      body: {
        login: user.username,
        id: user.id,
        node_id: `U_${user.id}`,
        type: user.bot ? 'Bot' : 'User',
        site_admin: user.admin,
        name: user.name,
        email: user.email,
        html_url: `${ctx.world.webUrl.github}/${user.username}`,
        created_at: user.createdAt,
      },
    };
  });

  return view;
}
