import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, githubFixture, repo, type GithubFixture } from './helpers.js';

describe('GitHub view: deployments and deployment statuses', () => {
  let f: GithubFixture;
  let sha: string;
  beforeAll(async () => {
    f = await githubFixture({ ciEnabled: false });
    sha = (await f.sim.project('github', 'acme/app').repo.branchSha('main'))!;
  });
  afterAll(() => f.sim.close());

  it('creates deployments (201) with payload, lists and filters them newest first', async () => {
    const d1 = await f.bot.repos.createDeployment({
      ...repo,
      ref: 'main',
      environment: 'staging',
      payload: { version: '1.2.3' },
      auto_merge: false,
      required_contexts: [],
      description: 'Deploy 1.2.3',
    });
    expect(d1.status).toBe(201);
    if (!('id' in d1.data)) throw new Error('expected a deployment');
    expect(d1.data).toMatchObject({
      ref: 'main',
      sha,
      environment: 'staging',
      task: 'deploy',
      payload: { version: '1.2.3' },
      description: 'Deploy 1.2.3',
      creator: { login: 'bot' },
      production_environment: false,
    });
    await f.bot.repos.createDeployment({
      ...repo,
      ref: sha,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
    });
    const all = await f.bot.repos.listDeployments(repo);
    expect(all.data.map((d) => d.environment)).toEqual(['production', 'staging']);
    const staging = await f.bot.repos.listDeployments({ ...repo, environment: 'staging' });
    expect(staging.data.map((d) => d.id)).toEqual([d1.data.id]);
    expect((await f.bot.repos.getDeployment({ ...repo, deployment_id: d1.data.id })).data.id).toBe(
      d1.data.id,
    );
    expect((await failure(f.bot.repos.getDeployment({ ...repo, deployment_id: 1 }))).status).toBe(404);
    const noRef = await failure(f.bot.repos.createDeployment({ ...repo, ref: 'nope' }));
    expect(noRef.status).toBe(422);
  });

  it('refuses a deployment when commit statuses are not green (409) unless required_contexts is empty', async () => {
    f.sim.setStatus('github', 'acme/app', sha, { context: 'ci/test', state: 'failed' });
    const refused = await failure(
      f.bot.repos.createDeployment({ ...repo, ref: 'main', environment: 'qa', auto_merge: false }),
    );
    expect(refused.status).toBe(409);
    expect(refused.data.message).toBe('Conflict: Commit status checks failed for main.');
    const ok = await f.bot.repos.createDeployment({
      ...repo,
      ref: 'main',
      environment: 'qa',
      auto_merge: false,
      required_contexts: [],
    });
    expect(ok.status).toBe(201);
  });

  it('adds statuses (201), lists them newest first, and marks older deployments inactive', async () => {
    const make = async () => {
      const d = await f.bot.repos.createDeployment({
        ...repo,
        ref: 'main',
        environment: 'review',
        auto_merge: false,
        required_contexts: [],
      });
      if (!('id' in d.data)) throw new Error('expected a deployment');
      return d.data.id;
    };
    const first = await make();
    await f.bot.repos.createDeploymentStatus({ ...repo, deployment_id: first, state: 'in_progress' });
    const done = await f.bot.repos.createDeploymentStatus({
      ...repo,
      deployment_id: first,
      state: 'success',
      environment_url: 'https://review.example',
      log_url: 'https://ci.example/1',
    });
    expect(done.status).toBe(201);
    expect(done.data).toMatchObject({
      state: 'success',
      environment: 'review',
      environment_url: 'https://review.example',
      creator: { login: 'bot' },
    });
    const statuses = await f.bot.repos.listDeploymentStatuses({ ...repo, deployment_id: first });
    expect(statuses.data.map((s) => s.state)).toEqual(['success', 'in_progress']);
    const second = await make();
    await f.bot.repos.createDeploymentStatus({ ...repo, deployment_id: second, state: 'success' });
    expect((await f.bot.repos.listDeploymentStatuses({ ...repo, deployment_id: first })).data[0]!.state).toBe(
      'inactive',
    );
    const bad = await failure(
      f.bot.repos.createDeploymentStatus({ ...repo, deployment_id: second, state: 'done' as 'success' }),
    );
    expect(bad.status).toBe(422);
  });

  it('shows deployments made by the simulator control API with a derived status', async () => {
    const d = await f.sim.deploy({
      forge: 'github',
      project: 'acme/app',
      environment: 'gprd',
      ref: 'main',
      variables: { DEPLOY_VERSION: '9.9' },
    });
    const statuses = await f.bot.repos.listDeploymentStatuses({ ...repo, deployment_id: d.id });
    expect(statuses.data.map((s) => s.state)).toEqual(['success']);
    const listed = await f.bot.repos.listDeployments({ ...repo, environment: 'gprd' });
    expect(listed.data[0]).toMatchObject({ id: d.id, sha, payload: { DEPLOY_VERSION: '9.9' } });
  });
});
