import { createHash } from 'node:crypto';

/**
 * The page's whole stylesheet, inlined (one request, no build). The Content-Security-Policy
 * allows exactly this stylesheet by hash and no script at all, so even markup that slipped past
 * the escaping could not run.
 */

export const CSS = `
:root { --ok: #1a7f37; --noop: #8c959f; --skipped: #c4cad1; --failed: #cf222e; --aborted: #bc4c00;
  --refused: #8250df; --running: #0969da; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding: .8rem 1.5rem;
  background: #fff; border-bottom: 1px solid var(--line); }
header.top h1 { font-size: 1.15rem; margin: 0; }
header.top h1 a { color: inherit; text-decoration: none; }
header.top nav { margin-left: auto; color: var(--muted); font-size: .85rem; }
header.top nav a { margin-left: .8rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: #0969da; }
h2 { font-size: 1.05rem; margin: 0; }
h3 { font-size: .95rem; margin: 1.4rem 0 .4rem; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1rem; margin: 0 0 1rem; }
section.pending { border-left: 4px solid #d4a72c; }
section.pending ul { margin: .5rem 0 0; padding-left: 1.1rem; }
section.pending li { margin: .25rem 0; }
section.pending.has-alerts { border-left-color: #cf222e; }
ul.alerts li.alert { color: #82071e; background: #ffebe9; border: 1px solid #cf222e; border-radius: 6px; padding: .4rem .6rem; list-style: none; margin: .4rem 0 .4rem -1.1rem; }
ul.alerts .alert-link, ul.alerts b { color: #a40e26; font-weight: 700; }
.kind.alert-kind { background: #cf222e; border-color: #a40e26; color: #fff; font-weight: 600; }
.alert-reason, .evidence { white-space: pre-wrap; margin: .2rem 0; }
.next-step { margin: .2rem 0; }
.badge.s-alert { background: #cf222e; text-decoration: none; }
.badge.v-alert { background: #cf222e; } .badge.v-healthy { background: var(--ok); } .badge.v-waiting, .badge.v-unknown { background: var(--noop); }
.kind { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: 1rem; background: #fff8c5;
  border: 1px solid #d4a72c; margin-right: .3rem; }
.job-head { display: flex; flex-wrap: wrap; gap: .3rem .8rem; align-items: baseline; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: .05rem .45rem; border-radius: 1rem;
  color: #fff; background: var(--noop); }
.badge.s-ok { background: var(--ok); } .badge.s-noop { background: var(--noop); }
.badge.s-skipped { background: var(--skipped); color: var(--fg); } .badge.s-failed { background: var(--failed); }
.badge.s-aborted { background: var(--aborted); } .badge.s-refused { background: var(--refused); }
.badge.s-running { background: var(--running); }
.badge.plain { background: #fff; color: var(--muted); border: 1px solid var(--line); font-weight: 400; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .6rem 0 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.links a { margin-right: .8rem; }
.strip { display: block; margin-top: .7rem; max-width: 100%; height: auto; }
.strip rect { fill: var(--noop); }
.strip .s-ok rect { fill: var(--ok); } .strip .s-noop rect { fill: var(--noop); }
.strip .s-skipped rect { fill: var(--skipped); } .strip .s-failed rect { fill: var(--failed); }
.strip .s-aborted rect { fill: var(--aborted); } .strip .s-refused rect { fill: var(--refused); }
.strip .s-running rect { fill: var(--running); }
.strip .dry rect { fill-opacity: .45; }
.strip a:hover rect, .strip a:focus rect { stroke: var(--fg); stroke-width: 1.5; }
.strip line { stroke: var(--line); }
.legend { font-size: .8rem; color: var(--muted); margin-top: .2rem; }
.legend i { display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin: 0 .25rem 0 .6rem; vertical-align: -1px; }
.legend i.s-ok { background: var(--ok); } .legend i.s-noop { background: var(--noop); }
.legend i.s-skipped { background: var(--skipped); } .legend i.s-failed { background: var(--failed); }
.legend i.s-aborted { background: var(--aborted); } .legend i.s-refused { background: var(--refused); }
.legend i.s-running { background: var(--running); }
.error { background: #ffebe9; border: 1px solid #ff818266; border-radius: 6px; padding: .6rem .8rem;
  white-space: pre-wrap; overflow-wrap: anywhere; margin: .6rem 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: .8rem; }
ul.actions { list-style: none; padding: 0; margin: 0; }
ul.actions li { padding: .2rem 0; }
.done { color: var(--ok); } .planned { color: var(--muted); }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; overflow: auto; }
ol.log { list-style: none; margin: 0; padding: .4rem 0; background: #0d1117; color: #e6edf3; border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; overflow-x: auto; }
ol.log li { padding: 0 .8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.log .t { color: #8b949e; } ol.log .lv-warn { color: #d29922; } ol.log .lv-error, ol.log .lv-fatal { color: #ff7b72; }
ol.log .f { color: #8b949e; }
.others { color: var(--muted); font-size: .85rem; }
`;

export const CSS_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src '${CSS_HASH}'`,
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
