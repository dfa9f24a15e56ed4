import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpRecordKey, FOLLOW_JOB, type BumpRecord } from '../../../src/domain/bump-deployments.js';
import { traceSha } from '../../../src/domain/bump-trace.js';
import { recordDeployVerdict, VERIFY_JOB } from '../../../src/domain/deploy-verdicts.js';
import { JOB_NAME, packageKey, type PackageRecord } from '../../../src/domain/post-migration-records.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/types.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * trace's rollback answer on auto-deploy packages, from what the other jobs recorded in the
 * store: the post-deploy migrations track-post-deploy-migrations found between the package that
 * carried the bump to production and the one before it, and verify-deployment's verdict.
 */

const OLDER = '14.8.202202080920-97d6e07c2a1.4ce763dbce1';
const NEWER = '14.8.202202090920-aaaaaaaaaaa.bbbbbbbbbbb';
const SHA = 'c'.repeat(40);

function pkg(version: string, previous: string | null, migrations: string[]): PackageRecord {
  return {
    version,
    release: '14.8',
    builtAt: '2022-02-09T09:20:00Z',
    gitlabSha: version.split('-')[1]!.split('.')[0]!,
    omnibusSha: version.split('.').at(-1)!,
    environments: {
      gprd: { at: '2022-02-09T12:00:00Z', deploymentId: 2, url: 'https://ops.example.com/d/2' },
    },
    analysis: {
      previous,
      migrations,
      sha: 'a'.repeat(40),
      compareUrl: null,
      analysedAt: '2022-02-09T12:00:00Z',
    },
    note: { state: 'none' },
  };
}

function bump(component: string, iid: number): BumpRecord {
  const ref = (id: number, version: string) => ({
    id,
    sha: 'd'.repeat(40),
    url: `https://ops.example.com/d/${id}`,
    ref: version,
    version,
  });
  return {
    component,
    forge: 'gitlab',
    project: 'gitlab-org/gitlab',
    iid,
    url: `https://gitlab.example.com/gitlab-org/gitlab/-/merge_requests/${iid}`,
    title: `Update ${component} version`,
    sha: SHA,
    from: null,
    commits: [SHA],
    commitsComplete: true,
    mergeSha: 'e'.repeat(40),
    mergedAt: '2022-02-09T08:00:00Z',
    environments: [
      { name: 'gstg', label: 'workflow::staging' },
      { name: 'gprd', label: 'workflow::production' },
    ],
    reached: {
      gprd: {
        deployment: ref(2, NEWER),
        at: '2022-02-09T12:00:00Z',
        previous: ref(1, OLDER),
        done: { label: true, note: true, slack: true, component: true },
      },
    },
    events: [],
    rolledBack: {},
    settledAt: null,
  };
}

describe('trace: is rolling back past the bump safe?', () => {
  const tmp = tempDir('release-bot-trace-');
  let store: Store;

  beforeAll(async () => {
    store = await openStore({ path: join(tmp.dir, 'state.db') } as never);
    await store.migrate();
    await store.setState(FOLLOW_JOB, bumpRecordKey(bump('gitaly', 1)), bump('gitaly', 1));
    await recordDeployVerdict(
      { set: (key, value) => store.setState(VERIFY_JOB, key, value) },
      {
        version: NEWER,
        target: 'gprd',
        environment: 'gprd',
        forge: 'gitlab',
        project: 'gitlab-org/gitlab',
        deployment: { id: 2, sha: 'd'.repeat(40), url: 'https://ops.example.com/d/2' },
        verdict: 'pass',
        summary: 'all gates passed',
        rolledBack: null,
        at: '2022-02-09T12:30:00Z',
        runId: 'r1',
        links: [],
      },
    );
  });
  afterAll(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('unsafe when a post-deploy migration came with the package that carried it; the verdict is shown', async () => {
    await store.setState(JOB_NAME, packageKey(OLDER), pkg(OLDER, null, []));
    await store.setState(
      JOB_NAME,
      packageKey(NEWER),
      pkg(NEWER, OLDER, ['db/post_migrate/20220209000000_drop_column.rb']),
    );
    const answer = await traceSha(store, 'gitaly', SHA.slice(0, 8));
    expect(answer.status).toBe('production');
    expect(answer.rollback).toMatchObject({ safe: false, from: NEWER, to: OLDER });
    expect(answer.rollback?.migrations.map((m) => m.file)).toEqual([
      'db/post_migrate/20220209000000_drop_column.rb',
    ]);
    expect(answer.verdicts.map((v) => v.verdict)).toEqual(['pass']);
  });

  it('safe when none came between them', async () => {
    await store.setState(JOB_NAME, packageKey(NEWER), pkg(NEWER, OLDER, []));
    expect((await traceSha(store, 'gitaly', SHA)).rollback).toMatchObject({ safe: true, migrations: [] });
  });
});
