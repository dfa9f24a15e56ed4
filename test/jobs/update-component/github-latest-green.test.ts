import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMarker } from '../../../src/kit/marker.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';

/**
 * update-component's latest-green search on a GitHub source (one GraphQL request): red, running
 * and check-less heads are skipped for the newest green commit, `requiredJobs` must each match a
 * passed check, nothing green is a no-op that says why, and dry-run reads the same way.
 */

const HOUR = 3_600_000;

describe('update-component: the newest green commit of a GitHub source', () => {
  let h: JobHarness;
  const shas: Record<string, string> = {};

  beforeAll(async () => {
    h = await jobHarness({
      seed: async (sim) => {
        const source = await sim.createProject({
          forge: 'github',
          path: 'org/lib',
          members: ['release-bot'],
        });
        const red = await sim.createProject({ forge: 'github', path: 'org/red', members: ['release-bot'] });
        const root = (await source.repo.branchSha('main'))!;
        const redRoot = (await red.repo.branchSha('main'))!;
        for (const [path, version] of [
          ['org/app', root],
          ['org/app-required', root],
          ['org/app-red', redRoot],
        ] as const)
          await sim.createProject({
            forge: 'github',
            path,
            members: ['release-bot'],
            files: { VERSION: `${version}\n` },
          });
        const push = (project: string, files: Record<string, string>, message: string) =>
          sim.push({ forge: 'github', project, files, message });
        shas.green = await push('org/lib', { a: '1' }, 'Green, with the full pipeline');
        shas.docs = await push('org/lib', { b: '1' }, 'Docs only [ci:jobs=docs-lint]');
        shas.red = await push('org/lib', { c: '1' }, 'Red [ci:fail]');
        shas.bare = await push('org/lib', { d: '1' }, 'No CI at all [skip ci]');
        await sim.advance(HOUR);
        shas.running = await push('org/lib', { e: '1' }, 'Still running [ci:stuck]');
        await push('org/red', { a: '1' }, 'Red [ci:fail]');
        await push('org/red', { b: '1' }, 'No CI [skip ci]');
        await sim.advance(HOUR);
      },
      jobsConfig: () => {
        const target = (project: string) => ({ forge: 'github', project, versionFile: 'VERSION' });
        return {
          'update-component': {
            components: [
              { name: 'lib', source: { forge: 'github', project: 'org/lib' }, target: target('org/app') },
              {
                name: 'lib-required',
                source: { forge: 'github', project: 'org/lib', requiredJobs: ['build', 'te*'] },
                target: target('org/app-required'),
              },
              {
                name: 'red',
                source: { forge: 'github', project: 'org/red', maxCommitsToCheck: 2 },
                target: target('org/app-red'),
              },
            ],
          },
        };
      },
    });
  });
  afterAll(() => h.close());

  function openPr(path: string) {
    const project = h.sim.project('github', path);
    const prs = h.sim.world.mergeRequests.filter((m) => m.projectId === project.id && m.state === 'opened');
    expect(prs, path).toHaveLength(1);
    return readMarker(prs[0]!.description, 'update-component');
  }

  it('plans in dry-run from one GraphQL query per component, writing nothing', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('update-component', { dryRun: true });
    expect(run.status).not.toBe('failed');
    const requests = h.sim.requests({ since });
    expect(requests.filter((r) => r.method !== 'GET' && r.route !== 'POST /graphql')).toEqual([]);
    expect(requests.filter((r) => r.route === 'POST /graphql')).toHaveLength(3);
    const text = JSON.stringify(result);
    expect(text).toContain(shas.docs!.slice(0, 7));
    expect(text).toContain(shas.green!.slice(0, 7));
  });

  it('skips running, check-less and red heads; requiredJobs skip the docs-only commit', async () => {
    const { run, result } = await h.run('update-component');
    expect(run.status).toBe('ok');
    // the docs-only pipeline passed: green for `lib`, not for `lib-required` (no build/test)
    expect(openPr('org/app')).toMatchObject({ sha: shas.docs });
    expect(openPr('org/app-required')).toMatchObject({ sha: shas.green });
    const red = result?.items?.find((i) => i.summary?.includes('no commit'));
    expect(red?.summary).toBe('no commit with all checks green within the newest 2 of main');
  });
});
