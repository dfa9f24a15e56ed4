import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForgeError } from '../../../src/errors.js';
import { adapterFixture, PROJECT, type AdapterFixture } from './helpers.js';

function stream(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

async function text(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('GitHub adapter: packages as release assets', () => {
  let f: AdapterFixture;
  beforeAll(async () => {
    f = await adapterFixture({ ciEnabled: false });
  });
  afterAll(() => f.sim.close());

  it('lists nothing for a missing package, uploads files into the release <name>-v<version>', async () => {
    expect(await f.forge.packages.listFiles(PROJECT, 'gitlab-ee', '17.6.0')).toEqual([]);
    const body = 'deb package bytes\n';
    const file = await f.forge.packages.upload(
      PROJECT,
      'gitlab-ee',
      '17.6.0',
      'gitlab-ee_17.6.0_amd64.deb',
      stream(body),
      body.length,
    );
    expect(file).toMatchObject({
      fileName: 'gitlab-ee_17.6.0_amd64.deb',
      size: body.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    await f.forge.packages.upload(PROJECT, 'gitlab-ee', '17.6.0', 'checksums.txt', stream('sums\n'), 5);
    const files = await f.forge.packages.listFiles(PROJECT, 'gitlab-ee', '17.6.0');
    expect(files.map((x) => x.fileName)).toEqual(['gitlab-ee_17.6.0_amd64.deb', 'checksums.txt']);
    expect((await f.forge.repo.getCommit(PROJECT, 'gitlab-ee-v17.6.0'))?.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('downloads a file (following the storage redirect) and refuses a duplicate with 409', async () => {
    expect(
      await text(
        await f.forge.packages.download(PROJECT, 'gitlab-ee', '17.6.0', 'gitlab-ee_17.6.0_amd64.deb'),
      ),
    ).toBe('deb package bytes\n');
    await expect(f.forge.packages.download(PROJECT, 'gitlab-ee', '17.6.0', 'nope')).rejects.toMatchObject({
      status: 404,
    });
    const dup = f.forge.packages.upload(PROJECT, 'gitlab-ee', '17.6.0', 'checksums.txt', stream('x'), 1);
    await expect(dup).rejects.toBeInstanceOf(ForgeError);
    await expect(dup).rejects.toMatchObject({ status: 409 });
  });
});
