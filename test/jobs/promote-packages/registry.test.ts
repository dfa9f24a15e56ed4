import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlockKit } from '../../../packages/forge-sandbox/src/receivers/block-kit.js';
import promotePackages from '../../../jobs/promote-packages/index.js';
import { jobHarness, type JobHarness } from '../../helpers/job-harness.js';
import {
  createRegistries,
  filesIn,
  packageBytes,
  PUBLIC,
  sha256,
  stage,
  upload,
  writes,
} from './fixtures.js';

/**
 * promote-packages in registry mode: GitLab generic packages staging → public, through the real
 * @gitbeaker/rest client and streamed fetch against the simulator.
 */

const PACKAGES = ['gitlab-ee', 'gitlab-ce', 'gitlab-runner'];
const ATTEMPTS = 2;

describe('promote-packages, registry mode', () => {
  let h: JobHarness;
  let builder: string;
  const staged = new Map<string, Buffer>();

  async function stageVersion(version: string, options: { checksumFile?: boolean } = {}) {
    for (const name of PACKAGES) {
      const data = packageBytes(`${name} ${version}`);
      staged.set(`${name}/${version}`, data);
      await stage(h.sim, builder, { name, version, file: `${name}_${version}_amd64.deb` }, data, options);
    }
  }

  beforeAll(async () => {
    h = await jobHarness({
      jobs: [promotePackages],
      sentry: true,
      seed: async (sim) => {
        builder = await createRegistries(sim);
      },
      jobsConfig: () => ({
        'promote-packages': {
          staging: { forge: 'gitlab', project: 'omnibus/staging' },
          public: { forge: 'gitlab', project: PUBLIC },
          packages: PACKAGES.map((name) => ({ name })),
          retry: { attempts: ATTEMPTS, delay: '1ms' },
          mention: '@release-managers',
        },
      }),
    });
    await stageVersion('16.1.0', { checksumFile: true });
  });
  afterAll(() => h.close());

  it('lists what would be published in dry-run and writes nothing', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { dryRun: true, args: { version: '16.1.0' } });
    expect(run.dryRun).toBe(true);
    expect(run.status).toBe('ok');
    expect(writes(h.sim, since)).toEqual([]);
    expect(result!.actions.map((a) => [a.kind, a.subject, a.done])).toEqual(
      PACKAGES.flatMap((name) => [
        ['publish-file', name, false],
        ['publish-file', name, false],
      ]),
    );
    expect(result!.actions[0]!.description).toMatch(
      /^publish gitlab-ee\/16\.1\.0\/gitlab-ee_16\.1\.0_amd64\.deb \(4\.0 KB, sha256 [0-9a-f]{12}… from the staging registry and checksum file\) to omnibus\/public$/,
    );
    expect(result!.items!.map((i) => i.summary)).toEqual(
      PACKAGES.map(
        (name) => `would publish 2 files: ${name}_16.1.0_amd64.deb, ${name}_16.1.0_amd64.deb.sha256`,
      ),
    );
    for (const name of PACKAGES) expect(filesIn(h.sim, PUBLIC, name, '16.1.0')).toEqual([]);
  });

  it('promotes every package, verified by sha256, with a Slack summary', async () => {
    h.slack.clear();
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('ok');
    expect(result!.items!.map((i) => [i.name, i.status, i.summary])).toEqual(
      PACKAGES.map((name) => [name, 'ok', 'published 2 files, sha256 verified']),
    );
    for (const name of PACKAGES) {
      const files = filesIn(h.sim, PUBLIC, name, '16.1.0');
      expect(files.map((f) => f.fileName).sort()).toEqual([
        `${name}_16.1.0_amd64.deb`,
        `${name}_16.1.0_amd64.deb.sha256`,
      ]);
      expect(files.find((f) => f.fileName.endsWith('.deb'))!.sha256).toBe(
        sha256(staged.get(`${name}/16.1.0`)!),
      );
    }
    expect(result!.actions.every((a) => a.done)).toBe(true);
    const [message] = h.slack.messages;
    expect(h.slack.messages).toHaveLength(1);
    expect(validateBlockKit(message!.payload)).toEqual([]);
    expect(message!.payload.text).toContain('Package promotion 16.1.0: 3 promoted');
  });

  it('re-run: every package is "already published, skipped", with no write', async () => {
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.0' } });
    expect(run.status).toBe('noop');
    expect(result!.items!.map((i) => [i.status, i.summary])).toEqual(
      PACKAGES.map(() => ['skipped', 'already published, skipped (2 files, same sha256)']),
    );
    expect(writes(h.sim, since)).toEqual([]);
  });

  it('one package failing past its retries does not stop the others; a re-run completes it', async () => {
    await stageVersion('16.1.1');
    h.sentry!.clear();
    h.slack.clear();
    // Packages go in config order: the first package's upload answers 503 on every attempt.
    h.sim.addFault({
      forge: 'gitlab',
      route: /^PUT .*\/packages\/generic\//,
      errorRate: 1,
      statuses: [503],
      times: ATTEMPTS,
    });
    const { run, result } = await h.run('promote-packages', { args: { version: '16.1.1' } });
    h.sim.clearFaults();
    expect(run.status).toBe('failed');
    const [ee, ce, runner] = result!.items!;
    expect(ee!.status).toBe('failed');
    expect(ee!.summary).toMatch(/503/);
    expect(ee!.summary).toContain(`gave up after ${ATTEMPTS} attempts`);
    expect([ce!.status, runner!.status]).toEqual(['ok', 'ok']);
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', '16.1.1')).toEqual([]);
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ce', '16.1.1')).toHaveLength(1);
    // one Sentry event for the failed package, fingerprinted per package
    const events = h.sentry!.events().filter((e) => e.fingerprint?.includes('gitlab-ee'));
    expect(events).toHaveLength(1);
    expect(events[0]!.fingerprint).toEqual(['promote-packages', 'gitlab-ee']);
    expect(events[0]!.tags).toMatchObject({ package: 'gitlab-ee', version: '16.1.1' });
    const summary = h.slack.messages.find((m) => m.payload.text?.includes('Package promotion'))!;
    expect(summary.payload.text).toContain('16.1.1: 2 promoted, 1 failed');
    expect(JSON.stringify(summary.payload)).toContain('@release-managers');

    const rerun = await h.run('promote-packages', { args: { version: '16.1.1' } });
    expect(rerun.run.status).toBe('ok');
    expect(rerun.result!.items!.map((i) => i.status)).toEqual(['ok', 'skipped', 'skipped']);
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', '16.1.1')[0]!.sha256).toBe(
      sha256(staged.get('gitlab-ee/16.1.1')!),
    );
  });

  it('refuses a file whose staging checksums disagree, before uploading anything', async () => {
    const data = packageBytes('ee 16.2.0');
    const path = { name: 'gitlab-ee', version: '16.2.0', file: 'gitlab-ee_16.2.0_amd64.deb' };
    await stage(h.sim, builder, path, data, { checksumFile: sha256('something else') });
    const since = h.sim.mark();
    const { run, result } = await h.run('promote-packages', {
      args: { version: '16.2.0', package: ['gitlab-ee'] },
    });
    expect(run.status).toBe('failed');
    expect(result!.items![0]!.summary).toMatch(/checksum mismatch in staging/);
    expect(writes(h.sim, since).filter((w) => w.path.includes('gitlab-ee_16.2.0_amd64.deb'))).toEqual([]);
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ee', '16.2.0').map((f) => f.fileName)).not.toContain(path.file);
  });

  it('refuses bytes that do not hash to what staging says, without publishing them', async () => {
    const data = packageBytes('ce 16.2.0');
    await stage(h.sim, builder, { name: 'gitlab-ce', version: '16.2.0', file: 'ce.deb' }, data);
    // The stored bytes rot after staging recorded their checksum.
    const [file] = filesIn(h.sim, 'omnibus/staging', 'gitlab-ce', '16.2.0');
    const rotten = Buffer.from(data);
    rotten[100] = rotten[100]! ^ 0xff;
    writeFileSync(file!.storagePath, rotten);
    const { run, result } = await h.run('promote-packages', {
      args: { version: '16.2.0', package: ['gitlab-ce'] },
    });
    expect(run.status).toBe('failed');
    expect(result!.items![0]!.summary).toMatch(/ce\.deb: checksum mismatch in staging/);
    expect(filesIn(h.sim, PUBLIC, 'gitlab-ce', '16.2.0')).toEqual([]);
  });

  it('refuses to overwrite a different file already public, and publishes the rest', async () => {
    const version = '16.3.0';
    await stageVersion(version);
    const other = packageBytes('a different build');
    await upload(
      h.sim,
      builder,
      PUBLIC,
      { name: 'gitlab-ce', version, file: `gitlab-ce_${version}_amd64.deb` },
      other,
    );
    const { run, result } = await h.run('promote-packages', { args: { version } });
    expect(run.status).toBe('failed');
    const ce = result!.items!.find((i) => i.name === 'gitlab-ce')!;
    expect(ce.status).toBe('failed');
    expect(ce.summary).toMatch(
      /public already has a different gitlab-ce_16\.3\.0_amd64\.deb .*nothing overwritten/,
    );
    const files = filesIn(h.sim, PUBLIC, 'gitlab-ce', version);
    expect(files).toHaveLength(1);
    expect(files[0]!.sha256).toBe(sha256(other));
    expect(result!.items!.filter((i) => i.status === 'ok').map((i) => i.name)).toEqual([
      'gitlab-ee',
      'gitlab-runner',
    ]);
  });

  it('rejects a malformed version or an unknown package with a usage error and no write', async () => {
    const since = h.sim.mark();
    await expect(h.run('promote-packages', { args: { version: '16.1' } })).rejects.toThrow(
      /--version 16\.1: not a release version/,
    );
    await expect(h.run('promote-packages', { args: {} })).rejects.toThrow(/--version <version> is required/);
    await expect(
      h.run('promote-packages', { args: { version: '16.1.0', package: ['gitlab-eee'] } }),
    ).rejects.toThrow(/no such package.*did you mean "gitlab-ee"/);
    expect(h.sim.requests({ since })).toEqual([]);
  });
});
