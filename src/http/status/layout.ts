import { h, raw, type Html } from './html.js';
import { CSS } from './style.js';

/** The page shell shared by the status page, the run page and the 404 page. */

export function layout(input: { title: string; body: Html; refreshSeconds?: number }): string {
  const refresh = input.refreshSeconds
    ? h`<meta http-equiv="refresh" content="${input.refreshSeconds}">`
    : '';
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${refresh}
<title>${input.title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
<header class="top"><h1><a href="/">release-bot</a></h1><nav><a href="/">status</a><a href="/api/status">JSON</a><a href="/healthz">health</a><a href="/metrics">metrics</a></nav></header>
<main>
${input.body}
</main>
</body>
</html>
`.html;
}

export function statusBadge(status: string): Html {
  return h`<span class="badge s-${status}">${status}</span>`;
}
