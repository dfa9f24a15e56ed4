import { jobHarness } from '../test/helpers/job-harness.js';
import { writeResult, type Figure } from './lib/report.js';

/**
 * Requests per decision of the watching jobs, from the simulator's request log:
 * report-pipeline-failures when nothing changed (per watched ref, per bot MR), and
 * move-stable-branches per repo.
 */

const REFS = 10;

async function reportPipelineFailures(): Promise<Figure[]> {
  const h = await jobHarness({
    seed: async (sim) => {
      for (let i = 0; i < REFS; i++) {
        await sim.createProject({ forge: 'gitlab', path: `watch/p${i}`, members: ['release-bot'] });
        await sim.createProject({ forge: 'github', path: `watch/g${i}`, members: ['release-bot'] });
      }
    },
    jobsConfig: () => ({
      'report-pipeline-failures': {
        projects: [
          ...Array.from({ length: REFS }, (_, i) => ({
            forge: 'gitlab',
            project: `watch/p${i}`,
            refs: ['main'],
          })),
          ...Array.from({ length: REFS }, (_, i) => ({
            forge: 'github',
            project: `watch/g${i}`,
            refs: ['main'],
          })),
        ],
      },
    }),
  });
  try {
    await h.run('report-pipeline-failures'); // the first run only sets the cursors
    const count = async (forge: 'gitlab' | 'github') => {
      const since = h.sim.mark();
      await h.run('report-pipeline-failures');
      return h.sim.requests({ since, forge }).length / REFS;
    };
    const gitlab = await count('gitlab');
    const github = await count('github');
    const group = 'Requests per decision';
    return [
      {
        group,
        name: 'report-pipeline-failures, nothing changed, GitLab (per watched ref)',
        value: gitlab,
        unit: 'requests',
        target: { max: 2 },
      },
      {
        group,
        name: 'report-pipeline-failures, nothing changed, GitHub (per watched ref)',
        value: github,
        unit: 'requests',
        target: { max: 2 },
      },
    ];
  } finally {
    await h.close();
  }
}

writeResult('jobs-requests', [...(await reportPipelineFailures())]);
