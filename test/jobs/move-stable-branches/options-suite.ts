import { describe, expect, it } from 'vitest';
import { buildConfigSchema } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/load.js';
import { ConfigError, UsageError } from '../../../src/errors.js';
import { mask } from '../../../src/secrets/masker.js';
import job from '../../../jobs/move-stable-branches/index.js';
import { optionsSchema } from '../../../jobs/move-stable-branches/options.js';
import { parseOverrides } from '../../../jobs/move-stable-branches/overrides.js';

/** Config problems name their path (caught by `config validate`); flags are checked before a run. */

const schema = buildConfigSchema([job]);

function problems(section: Record<string, unknown>): string[] {
  try {
    validateConfig(
      {
        forges: { github: { type: 'github', url: 'https://github.com', token: 'ghp_test_token_123' } },
        jobs: { 'move-stable-branches': section },
      },
      schema,
      'test.yaml',
    );
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const valid = {
  forge: 'github',
  repos: [{ project: 'packit/packit' }, { project: 'packit/packit-service', dependsOn: ['packit'] }],
  validation: {
    sentry: { org: 'packit', authToken: 'sntrys_secret_value_42', projects: ['packit-service'] },
  },
  approval: { approvers: ['alice'], project: 'packit/deployment' },
};

export function optionsSuite(): void {
  describe('move-stable-branches config and flags', () => {
    it('accepts a valid section with defaults, and masks the Sentry token', () => {
      expect(problems(valid)).toEqual([]);
      const options = optionsSchema.parse(valid);
      expect(options.repos[0]).toMatchObject({ source: 'main', stable: 'stable', dependsOn: [] });
      expect(options.validation.sentry).toMatchObject({ environment: 'stage', days: 7, threshold: 0 });
      expect(options.approval.required).toBe(true);
      expect(job.schedule).toBe('0 9 * * 5');
      expect(mask('token sntrys_secret_value_42')).toBe('token [MASKED]');
    });

    it('names the path of every problem', () => {
      const found = problems({
        forge: 'github',
        repos: [
          { project: 'packit/packit-service', dependsOn: ['packit', 'nope'] },
          { project: 'packit/packit' },
          { project: 'other/packit' },
          { project: 'packit/yes' },
        ],
        validation: {
          ci: { project: 'packit/hello-world', checks: [] },
          health: [{ url: 'ftp://x', equals: 'ok' }],
        },
        approval: {},
      });
      const at = 'jobs.move-stable-branches';
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringContaining(`${at}.repos[0].dependsOn[0]: "packit" is listed after packit-service`),
          expect.stringContaining(`${at}.repos[0].dependsOn[1]: unknown repo "nope"`),
          expect.stringContaining(`${at}.repos[2].name: duplicate repo name "packit"`),
          expect.stringContaining(`${at}.repos[3].name: "yes" is a flag of \`release-bot run\``),
          expect.stringContaining(`${at}.validation.ci.checks: list at least one check name pattern`),
          expect.stringContaining(`${at}.validation.health[0].url: must be an http(s) URL`),
          expect.stringContaining(`${at}.approval.approvers: list at least one approver`),
          expect.stringContaining(`${at}.approval.project: required when approval is required`),
        ]),
      );
      expect(problems({ ...valid, approval: { required: false } })).toEqual([]);
    });

    it('parses both override forms and refuses bad ones before anything runs', () => {
      const options = optionsSchema.parse(valid);
      expect(
        parseOverrides({ override: ['packit=ABCDEF1'], unknown: ['--packit-service=1787687aba71'] }, options),
      ).toEqual(
        new Map([
          ['packit', 'abcdef1'],
          ['packit-service', '1787687aba71'],
        ]),
      );
      expect(
        parseOverrides({ unknown: ['--packit-service', '1787687aba71'] }, options).get('packit-service'),
      ).toBe('1787687aba71');
      const refused: [Record<string, unknown>, RegExp][] = [
        [{ override: ['pakit=1787687'] }, /no repo named "pakit" \(did you mean "packit"\?\)/],
        [{ unknown: ['--packit-service'] }, /expected --packit-service=<sha>/],
        [{ unknown: ['stray'] }, /unexpected argument "stray"/],
        [{ override: ['packit=12345'] }, /not a commit sha/],
      ];
      for (const [args, error] of refused) {
        expect(() => job.checkArgs!(args, options)).toThrow(UsageError);
        expect(() => job.checkArgs!(args, options)).toThrow(error);
      }
    });
  });
}
