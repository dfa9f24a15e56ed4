import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';

/** The plain Prometheus rules example alerts only on metrics the bot exports, alerts among them. */

describe('deploy/prometheus/release-bot-rules.yml', () => {
  it('uses only exported metrics and alerts on open alerts', () => {
    const exported = new Set(
      [...readFileSync(join(ROOT, 'src/http/metrics.ts'), 'utf8').matchAll(/name: '(release_bot_\w+)'/g)].map(
        (m) => m[1],
      ),
    );
    const file = parse(readFileSync(join(ROOT, 'deploy/prometheus/release-bot-rules.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const rules = file.groups.flatMap((g) => g.rules);
    for (const rule of rules)
      for (const [name] of rule.expr.matchAll(/release_bot_\w+/g))
        expect(exported, rule.alert).toContain(name);
    expect(rules.find((r) => r.alert === 'ReleaseBotAlertOpen')?.expr).toContain('release_bot_alerts_open');
  });
});
