import type { App } from './app.js';
import type { RouteHandler } from '../src/http/server.js';
import { postToResponseUrl, slackRoutes } from '../src/slack-app/routes.js';

/**
 * The Slack app on the daemon's server (`slack.app` in the config): /slack/commands and
 * /slack/actions, answered by this process's runner and store. Runs started from Slack are
 * tracked so shutdown waits for them like for scheduled ones.
 */
export function slackAppRoutes(app: App): { routes: RouteHandler[]; idle(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  const slack = app.config.slack.app;
  if (!slack) return { routes: [], idle: async () => undefined };
  const routes = slackRoutes({
    app: slack,
    config: app.config,
    store: app.store,
    jobs: app.jobs,
    runner: app.runner,
    now: () => new Date(),
    log: app.logger,
    respond: postToResponseUrl,
    track(work) {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
  });
  return {
    routes,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
