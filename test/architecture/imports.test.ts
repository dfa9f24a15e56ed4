import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, readImportGraph, specifiersOf, type ImportGraph } from './import-graph.js';

/**
 * The import rules of docs/dev/ARCHITECTURE.md, enforced. The allow-lists below are the imports that
 * break a rule today (issue 19 removes them with the structural move). They are a ratchet: an entry
 * that is no longer needed fails the test too, so the lists only ever shrink.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `src/` is the engine and must not know the jobs. Today the CLI, the app and the demo still do. */
const SRC_TO_JOBS_ALLOWED: [from: string, to: string][] = [
  // The composition root (the job registry) still lives in src/; it moves to app/.
  ['src/app/app.ts', 'jobs/index.ts'],
  ['src/app/doctor.ts', 'jobs/index.ts'],
  ['src/app/validate.ts', 'jobs/index.ts'],
  ['src/cli.ts', 'jobs/index.ts'],
  ['src/cli/config.ts', 'jobs/index.ts'],
  ['src/cli/list.ts', 'jobs/index.ts'],
  ['src/cli/run.ts', 'jobs/index.ts'],
  // `release-bot migrations` reads the job's records directly; they move to src/domain/.
  ['src/cli/migrations.ts', 'jobs/track-post-deploy-migrations/lookup.ts'],
  ['src/cli/migrations.ts', 'jobs/track-post-deploy-migrations/version.ts'],
  // The demo's stories live next to each job; they move to demo/.
  ['src/cli/sandbox.ts', 'jobs/demos.ts'],
  ['src/demo/run.ts', 'jobs/demos.ts'],
];

/** A job uses only its own folder and src/; what two jobs share belongs in src/ (src/domain/). */
const JOB_TO_JOB_ALLOWED: [from: string, to: string][] = [
  // Rebuilds update-component's bump branch name to find its MRs (bump branch naming → src/domain/).
  ['jobs/report-pipeline-failures/triage.ts', 'jobs/update-component/description.ts'],
  // Reads the post-deploy migration records (one owner with typed accessors → src/domain/).
  ['jobs/verify-deployment/migrations.ts', 'jobs/track-post-deploy-migrations/index.ts'],
];

/** Who may use the simulator: itself, the demo, the CLI and app that start the demo, and demo files. */
function mayImportSandbox(file: string): boolean {
  return /^src\/(sandbox|demo|cli|app)\//.test(file) || /^jobs\/([^/]+\/)?demos?\.ts$/.test(file);
}

const jobOf = (file: string): string | undefined => /^jobs\/([^/]+)\//.exec(file)?.[1];

function edges(graph: ImportGraph): [string, string][] {
  return [...graph].flatMap(([from, targets]) => targets.map((to): [string, string] => [from, to]));
}

const key = ([from, to]: [string, string]): string => `${from} → ${to}`;

/** Offending imports not in the allow-list, and allow-list entries that no longer occur. */
function ratchet(found: [string, string][], allowed: [string, string][]) {
  const foundKeys = new Set(found.map(key));
  const allowedKeys = new Set(allowed.map(key));
  return {
    forbidden: [...foundKeys].filter((k) => !allowedKeys.has(k)).sort(),
    stale: [...allowedKeys].filter((k) => !foundKeys.has(k)).sort(),
  };
}

describe('import rules (src/ and jobs/)', () => {
  const graph = readImportGraph(ROOT, ['src', 'jobs']);

  it('reads the real graph (a reader that finds nothing would pass every rule)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/runner/job.ts')).toContain('src/store/run-status.ts');
    expect(graph.get('jobs/index.ts')).toContain('jobs/heartbeat/index.ts');
  });

  it('has no import circle (type-only imports count)', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles, `import circles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('src/ imports nothing from jobs/ beyond the shrinking allow-list', () => {
    const found = edges(graph).filter(([from, to]) => from.startsWith('src/') && to.startsWith('jobs/'));
    const { forbidden, stale } = ratchet(found, SRC_TO_JOBS_ALLOWED);
    expect(forbidden, `src/ must not import jobs/:\n${forbidden.join('\n')}`).toEqual([]);
    expect(stale, `no longer needed, remove from SRC_TO_JOBS_ALLOWED:\n${stale.join('\n')}`).toEqual([]);
  });

  it("a job imports no other job's files beyond the shrinking allow-list", () => {
    const found = edges(graph).filter(([from, to]) => {
      const own = jobOf(from);
      return own !== undefined && to.startsWith('jobs/') && jobOf(to) !== own;
    });
    const { forbidden, stale } = ratchet(found, JOB_TO_JOB_ALLOWED);
    expect(forbidden, `jobs must not import other jobs:\n${forbidden.join('\n')}`).toEqual([]);
    expect(stale, `no longer needed, remove from JOB_TO_JOB_ALLOWED:\n${stale.join('\n')}`).toEqual([]);
  });

  it('only the simulator, the demo, the CLI/app and demo files import src/sandbox/', () => {
    const forbidden = edges(graph)
      .filter(([from, to]) => to.startsWith('src/sandbox/') && !mayImportSandbox(from))
      .map(key);
    expect(forbidden, `must not import the simulator:\n${forbidden.join('\n')}`).toEqual([]);
  });
});

describe('the import reader', () => {
  it('finds static, type-only, re-exported, multi-line, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export type * from './d.js';",
      'import {\n  e,\n  type E,\n} from "./e.js";',
      "import './f.js';",
      "const g = await import('./g.js');",
      "// import { h } from './h.js';",
      "const text = 'from here';",
    ].join('\n');
    expect(specifiersOf(source).sort()).toEqual(
      ['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', './g.js'].sort(),
    );
  });

  it('names a circle, including one of three files and a self-import', () => {
    const graph: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(
      findCycles(graph)
        .map((c) => c.join(' → '))
        .sort(),
    ).toEqual(['a.ts → b.ts → c.ts → a.ts', 'e.ts → e.ts']);
    expect(
      findCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });
});
