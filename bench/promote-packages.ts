import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import promotePackages from '../jobs/promote-packages/index.js';
import type { Simulator } from '../packages/forge-sandbox/src/simulator.js';
import { jobHarness } from '../test/helpers/job-harness.js';

/**
 * promote-packages memory: one 200 MB package promoted staging → public through the simulator
 * (real GitLab adapter, real HTTP). RSS is sampled every 5 ms during the run; the growth over
 * the RSS just before the run must stay well under the file size, which proves the file is
 * streamed (download → hash → upload) and never held whole. The simulator runs in this process
 * too and streams to and from disk, so its buffers count against the figure as well. A dry run
 * first loads the SDK and the job's code, so the figure is the promotion's own working memory.
 *
 *   npx tsx bench/promote-packages.ts          (PROMOTE_BENCH_MB=50 for a quicker run)
 */

const SIZE_MB = Number(process.env.PROMOTE_BENCH_MB ?? 200);
const SIZE = SIZE_MB * 2 ** 20;
const CHUNK = 2 ** 20;
/** "Well under the file size": a quarter of it, and never more than 64 MiB. */
const TARGET_BYTES = Math.min(SIZE / 4, 64 * 2 ** 20);
const VERSION = '16.1.0';
const FILE = `gitlab-ee_${VERSION}-ee.0_amd64.deb`;
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results', 'promote-packages.json');

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function machine(): string {
  const cpu = cpus();
  return `${type()} ${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** A random file written chunk by chunk (never whole in memory), and its sha256. */
async function writeRandomFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < SIZE; written += CHUNK) {
    const chunk = randomBytes(Math.min(CHUNK, SIZE - written));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/** Upload to staging as the build would: streamed from disk over HTTP. */
async function stage(sim: Simulator, token: string, path: string): Promise<void> {
  const url = `${sim.gitlab.url}/api/v4/projects/${encodeURIComponent('omnibus/staging')}/packages/generic/gitlab-ee/${VERSION}/${FILE}`;
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'private-token': token, 'content-length': String(SIZE) },
    body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  if (!response.ok) throw new Error(`staging upload: ${response.status} ${await response.text()}`);
}

async function main(): Promise<void> {
  let builder = '';
  let bot = '';
  const h = await jobHarness({
    jobs: [promotePackages],
    seed: async (sim, botToken) => {
      bot = botToken;
      builder = sim.createUser('builder').token;
      for (const [path, access] of [
        ['omnibus/staging', 20],
        ['omnibus/public', 30],
      ] as const)
        await sim.createProject({
          forge: 'gitlab',
          path,
          members: [`release-bot:${access}`, 'builder:30'],
          ciEnabled: false,
        });
    },
    // A slow disk must not hit the default 30 s per-request timeout of one upload.
    extra: (sim) => ({
      forges: { gitlab: { type: 'gitlab', url: sim.gitlab.url, token: bot, timeoutSeconds: 600 } },
    }),
    jobsConfig: () => ({
      'promote-packages': {
        staging: { forge: 'gitlab', project: 'omnibus/staging' },
        public: { forge: 'gitlab', project: 'omnibus/public' },
        packages: [{ name: 'gitlab-ee' }],
      },
    }),
  });
  try {
    const source = join(h.dir, FILE);
    const sha256 = await writeRandomFile(source);
    await stage(h.sim, builder, source);

    // Warm up: the first run loads the forge SDK and the job's modules (~20 MiB of code), which
    // is not what is measured here. A dry run loads them and reads both registries.
    const dry = await h.run('promote-packages', { dryRun: true, args: { version: VERSION } });
    if (dry.run.status !== 'ok') throw new Error(`warm-up dry run: ${dry.run.status} ${dry.run.summary}`);

    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const { run } = await h.run('promote-packages', { args: { version: VERSION } });
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    const pub = h.sim.project('gitlab', 'omnibus/public');
    const published = h.sim.world.packages.find((p) => p.projectId === pub.id)?.files[0];
    if (run.status !== 'ok' || published?.sha256 !== sha256 || published.size !== SIZE)
      throw new Error(`promotion did not publish the file intact: ${run.status} ${run.summary}`);

    const growth = peak - baseline;
    const result = {
      bench: 'promote-packages',
      date: new Date().toISOString(),
      machine: machine(),
      fileSizeBytes: SIZE,
      baselineRssBytes: baseline,
      peakRssBytes: peak,
      peakRssGrowthBytes: growth,
      targetPeakRssGrowthBytes: TARGET_BYTES,
      wallMs: Math.round(wallMs),
      throughputMiBps: Math.round((SIZE_MB / (wallMs / 1000)) * 10) / 10,
      figures: [
        { group: 'Package promotion', name: 'file size', value: SIZE_MB, unit: 'MiB' },
        {
          group: 'Package promotion',
          name: 'peak RSS growth during the promotion',
          value: mib(growth),
          unit: 'MiB',
          target: { max: mib(TARGET_BYTES) },
          note: 'simulator in the same process; streamed download → sha256 → upload, then read back',
        },
        { group: 'Package promotion', name: 'wall time', value: Math.round(wallMs), unit: 'ms' },
      ],
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    const ok = growth <= TARGET_BYTES;
    console.log(
      `${ok ? '✓' : '✗'} promote-packages: ${SIZE_MB} MiB promoted in ${(wallMs / 1000).toFixed(1)} s (${result.throughputMiBps} MiB/s), peak RSS growth ${mib(growth)} MiB (target ≤ ${mib(TARGET_BYTES)} MiB, file ${SIZE_MB} MiB) → ${RESULTS.replace(process.cwd() + '/', '')}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await h.close();
  }
}

await main();
