import { describe, expect, it } from 'vitest';
import job from '../../../jobs/promote-packages/index.js';
import { validateConfig } from '../../../src/config/load.js';
import { buildConfigSchema } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/errors.js';
import { jobSettings } from '../../../src/runner/settings.js';

/** Pipeline mode and verification config mistakes are caught by `config validate`, by path. */

const schema = buildConfigSchema([job]);
const base = {
  forges: { gitlab: { type: 'gitlab', url: 'https://gitlab.example.com', token: 'glpat-x' } },
};
const pipeline = {
  forge: 'gitlab',
  project: 'gitlab-org/omnibus-gitlab',
  tags: ['{version}+ce.0', '{version}+ee.0'],
};

function problems(section: Record<string, unknown>): string[] {
  try {
    const config = validateConfig({ ...base, jobs: { 'promote-packages': section } }, schema, 'test.yaml', {
      env: {},
    });
    jobSettings(config, job);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('promote-packages config: pipeline tags, wait and verification', () => {
  it('accepts CE and EE tags, an EE-only package, a wait and verification targets', () => {
    expect(
      problems({
        mode: 'pipeline',
        pipeline: { ...pipeline, wait: { timeout: '20m', interval: '15s' } },
        packages: [
          { name: 'ubuntu', job: 'Ubuntu-*-release' },
          { name: 'ee-only', tags: ['{version}+ee.0'] },
        ],
        verification: { environments: ['gprd'], deployedAs: ['{version}-ee.0'] },
      }),
    ).toEqual([]);
  });

  it('names each problem by its path', () => {
    const found = problems({
      mode: 'pipeline',
      pipeline: {
        ...pipeline,
        tags: ['{version}+ee.0', '16.1.0', '{version}+ee.0'],
        wait: { timeout: '2h' },
      },
      packages: [{ name: 'docker', tags: ['{version}+ce.1'] }],
      verification: { deployedAs: ['gprd'] },
    }).join('\n');
    expect(found).toMatch(/jobs\.promote-packages\.pipeline\.tags\[1\].*must contain \{version\}/);
    expect(found).toMatch(/jobs\.promote-packages\.pipeline\.tags.*duplicate tag template/);
    expect(found).toMatch(/jobs\.promote-packages\.verification\.deployedAs\[0\].*must contain \{version\}/);
  });

  it('a package tag not among pipeline.tags, and a wait longer than the run may last', () => {
    const found = problems({
      mode: 'pipeline',
      pipeline: { ...pipeline, wait: { timeout: '2h' } },
      packages: [{ name: 'docker', tags: ['{version}+ce.1'] }],
    }).join('\n');
    expect(found).toMatch(/packages\[0\]\.tags\[0\]: "\{version\}\+ce\.1" is not one of pipeline\.tags/);
    expect(found).toMatch(/pipeline\.wait\.timeout: 2h does not fit in the job's timeoutSeconds \(3600\)/);
  });
});

describe('promote-packages config: packages, images, or both', () => {
  const images = {
    staging: { url: 'https://registry.gitlab.com', namespace: 'gitlab-org/build/omnibus-gitlab-mirror' },
    public: { url: 'https://ghcr.io', namespace: 'example' },
    repositories: [{ name: 'gitlab-ee', tags: ['{version}-ee.0'] }],
  };

  it('accepts images alone: no packages, and no package registries or pipeline needed', () => {
    expect(problems({ images })).toEqual([]);
    expect(problems({ mode: 'pipeline', images })).toEqual([]);
  });

  it('neither packages nor images: one problem that says what to add', () => {
    expect(problems({ staging: { forge: 'gitlab', project: 'a/b' } }).join('\n')).toMatch(
      /jobs\.promote-packages\.packages: nothing to promote: list the generic packages under packages:, or the container images under images:/,
    );
  });

  it('packages: [] is still a mistake, and packages still need their registries', () => {
    expect(problems({ images, packages: [] }).join('\n')).toMatch(
      /packages.*list at least one package, or leave packages out when only images are promoted/,
    );
    expect(problems({ images, packages: [{ name: 'gitlab-ee' }] }).join('\n')).toMatch(
      /staging: required in registry mode/,
    );
  });
});
