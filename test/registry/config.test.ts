import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { imagesSchema } from '../../jobs/promote-packages/images/options.js';
import { optionsSchema } from '../../jobs/promote-packages/options.js';
import { ROOT } from '../helpers/cli.js';

/** The commented `images:` example in config/release-bot.yaml is kept valid. */
function imagesExample(): unknown {
  const lines = readFileSync(join(ROOT, 'config/release-bot.yaml'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l === '    # images:');
  expect(start).toBeGreaterThan(0);
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('    # ')) break;
    block.push(line.slice('    # '.length));
  }
  return (parse(block.join('\n')) as { images: unknown }).images;
}

describe('images: config', () => {
  it('the example (GitLab container registry → GHCR) is valid', () => {
    const images = imagesSchema.parse(imagesExample());
    expect(images.staging.url).toBe('https://registry.gitlab.com');
    expect(images.public.url).toBe('https://ghcr.io');
    expect(images.repositories.map((r) => r.tags)).toEqual([['{version}-ee.0'], ['{version}-ce.0']]);
  });

  it('names the path of each mistake', () => {
    const result = optionsSchema.safeParse({
      packages: [{ name: 'gitlab-ee' }],
      images: {
        staging: { url: 'https://registry.example.com', namespace: 'Build', username: 'bot' },
        public: { url: 'ftp://ghcr.io' },
        repositories: [
          { name: 'ee', tags: ['{version}+ee.0'] },
          { name: 'ee', tags: ['latest'] },
        ],
      },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^images\.staging\.namespace: a repository path/),
        expect.stringMatching(/^images\.staging\.password: username and password go together/),
        expect.stringMatching(/^images\.public\.url: an http\(s\) URL/),
        expect.stringMatching(/^images\.repositories\.0\.tags\.0: .*cannot hold "\+"/),
        expect.stringMatching(/^images\.repositories\.1\.tags\.0: must contain \{version\}/),
        expect.stringMatching(/^images\.repositories\.1\.name: duplicate image "ee"/),
      ]),
    );
  });

  it('refuses public being the staging registry and namespace itself', () => {
    const same = { url: 'https://registry.example.com', namespace: 'gitlab-org' };
    const result = imagesSchema.safeParse({ staging: same, public: same, repositories: [{ name: 'ee' }] });
    expect(result.error?.issues[0]).toMatchObject({ path: ['public'] });
  });
});
