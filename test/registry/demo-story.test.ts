import { describe, expect, it } from 'vitest';
import { runDemo } from '../../demo/run.js';
import { promoteStory } from '../../demo/stories/promote-packages.js';
import verifyDeployment from '../../demo/stories/verify-deployment.js';
import { registryAvailable } from '../../packages/forge-sandbox/src/services/registry.js';

/**
 * The demo's promote story (told after verify-deployment's, whose failed version it refuses):
 * with `docker-registry` installed it promotes an image between two local registries; without
 * it, it says in one line that the image part is skipped and tells the rest.
 */

const quiet = () => undefined;
const SKIPPED = 'docker-registry is not installed: the image part of this story is skipped';

describe('demo: promote-packages story', () => {
  it.runIf(registryAvailable)(
    'promotes the image too: dry run, promotion, no-op re-run, refusal, forced',
    { timeout: 120_000 },
    async () => {
      const report = await runDemo({ json: true, write: quiet, stories: [verifyDeployment, promoteStory()] });
      expect(report.stories.filter((s) => !s.ok)).toEqual([]);
      const story = report.stories.find((s) => s.job === 'promote-packages')!;
      expect(story.narrative.join('\n')).not.toContain(SKIPPED);
      expect(story.narrative.join('\n')).toMatch(
        /The public registry now has omnibus\/gitlab-ee:16\.1\.0-ee\.0 at sha256:/,
      );
      const runs = report.runs.filter((r) => r.job === 'promote-packages');
      expect(runs.map((r) => r.status)).toEqual(['ok', 'ok', 'noop', 'failed', 'ok']);
      expect(runs[1]!.summary).toContain('image gitlab-ee:16.1.0-ee.0: copied at sha256:');
      expect(runs[2]!.summary).toContain('image gitlab-ee:16.1.0-ee.0: already public');
      expect(runs[4]!.summary).toContain('image gitlab-ee:1.0.2-ee.0: copied at sha256:');
    },
  );

  it(
    'without docker-registry: one line says the image part is skipped, the rest is told',
    { timeout: 120_000 },
    async () => {
      const report = await runDemo({
        json: true,
        write: quiet,
        stories: [verifyDeployment, promoteStory(() => null)],
      });
      expect(report.stories.filter((s) => !s.ok)).toEqual([]);
      const story = report.stories.find((s) => s.job === 'promote-packages')!;
      expect(story.narrative.filter((line) => line.includes(SKIPPED))).toHaveLength(1);
      const runs = report.runs.filter((r) => r.job === 'promote-packages');
      expect(runs.map((r) => r.status)).toEqual(['ok', 'ok', 'noop', 'failed', 'ok']);
      expect(runs.some((r) => r.summary.includes('image '))).toBe(false);
    },
  );
});
