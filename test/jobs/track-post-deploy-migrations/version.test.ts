import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  parseVersion,
  MalformedVersionError,
} from '../../../src/domain/auto-deploy-version.js';

/** Auto-deploy package versions, as in seed 002. */
describe('auto-deploy package versions', () => {
  it('parses the package version and the auto-deploy tag to the same canonical version', () => {
    const pkg = parseVersion('14.8.202202080920-97d6e07c2a1.4ce763dbce1');
    expect(pkg).toEqual({
      version: '14.8.202202080920-97d6e07c2a1.4ce763dbce1',
      major: 14,
      minor: 8,
      release: '14.8',
      timestamp: '202202080920',
      builtAt: '2022-02-08T09:20:00.000Z',
      gitlabSha: '97d6e07c2a1',
      omnibusSha: '4ce763dbce1',
    });
    expect(parseVersion('14.8.202202080920+97d6e07c2a1.4ce763dbce1')).toEqual(pkg);
    expect(parseVersion(`15.10.202303011200-${'a'.repeat(40)}.${'b'.repeat(12)}`).release).toBe('15.10');
  });

  it('names the malformed version and what is wrong with it', () => {
    const cases: [string, string][] = [
      ['master', 'it does not have the shape'],
      ['14.8.2022020809-97d6e07c2a1.4ce763dbce1', 'the timestamp "2022020809" must be 12 digits'],
      [
        '14.8.202213080920-97d6e07c2a1.4ce763dbce1',
        'the timestamp "202213080920" is not a valid date and time',
      ],
      ['14.8.202202080920-97d6e07.4ce763dbce1', 'the GitLab sha "97d6e07" must be 11 to 40'],
      ['14.8.202202080920-97d6e07c2a1.XYZ763dbce1', 'the Omnibus sha "XYZ763dbce1" must be 11 to 40'],
    ];
    for (const [input, reason] of cases) {
      const error = (() => {
        try {
          parseVersion(input);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(MalformedVersionError);
      expect((error as Error).message).toContain(
        `"${input}" is not an auto-deploy package version: ${reason}`,
      );
    }
  });

  it('orders packages by build time', () => {
    const a = parseVersion('14.8.202202080920-97d6e07c2a1.4ce763dbce1');
    const b = parseVersion('14.8.202202081520-749786570ad.ee932958e0c');
    expect(compareVersions(a, b)).toBeLessThan(0);
    expect(compareVersions(b, a)).toBeGreaterThan(0);
    expect(compareVersions(a, a)).toBe(0);
  });
});
