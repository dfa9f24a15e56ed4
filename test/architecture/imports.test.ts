import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, readImportGraph, specifiersOf, type ImportGraph } from './import-graph.js';

/**
 * The import rules of docs/dev/ARCHITECTURE.md, enforced over every layer: the engine (src/), the
 * jobs, the composition root (app/), the demo and the forge simulator package. Each rule names the
 * offending imports. There is no allow-list left: issue 19's structural move removed every exception.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SANDBOX = 'packages/forge-sandbox/src/';

type Layer = 'engine' | 'job' | 'app' | 'demo' | 'sandbox';

function layerOf(file: string): Layer {
  if (file.startsWith('src/')) return 'engine';
  if (file.startsWith('jobs/')) return 'job';
  if (file.startsWith('app/')) return 'app';
  if (file.startsWith('demo/')) return 'demo';
  if (file.startsWith(SANDBOX)) return 'sandbox';
  throw new Error(`no layer for ${file}`);
}

/** Which layers each layer may import (its own included). The demo plays the world: it may use all. */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  engine: ['engine'],
  job: ['engine', 'job'],
  app: ['app', 'engine', 'job'],
  demo: ['demo', 'app', 'engine', 'job', 'sandbox'],
  sandbox: ['sandbox'],
};

const jobOf = (file: string): string | undefined => /^jobs\/([^/]+)\//.exec(file)?.[1];

function edges(graph: ImportGraph): [string, string][] {
  return [...graph].flatMap(([from, targets]) => targets.map((to): [string, string] => [from, to]));
}

const key = ([from, to]: [string, string]): string => `${from} → ${to}`;

/** The offending imports of one rule, as `from → to` lines. */
export function forbiddenImports(graph: ImportGraph): { direction: string[]; jobToJob: string[] } {
  const all = edges(graph);
  return {
    direction: all.filter(([from, to]) => !MAY_IMPORT[layerOf(from)].includes(layerOf(to))).map(key),
    jobToJob: all
      .filter(([from, to]) => {
        const own = jobOf(from);
        return own !== undefined && jobOf(to) !== undefined && jobOf(to) !== own;
      })
      .map(key),
  };
}

describe('import rules (src/, jobs/, app/, demo/, the simulator package)', () => {
  const graph = readImportGraph(ROOT, ['src', 'jobs', 'app', 'demo', SANDBOX]);

  it('reads the real graph (a reader that finds nothing would pass every rule)', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('src/runner/job.ts')).toContain('src/store/run-status.ts');
    expect(graph.get('app/jobs.ts')).toContain('jobs/heartbeat/index.ts');
    expect(graph.get('demo/stories/index.ts')).toContain('demo/stories/heartbeat.ts');
    expect(graph.get(`${SANDBOX}simulator.ts`)?.length).toBeGreaterThan(3);
  });

  it('has no import circle (type-only imports count)', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles, `import circles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('imports flow one way: engine ← jobs ← app ← demo; the simulator imports only itself', () => {
    const { direction } = forbiddenImports(graph);
    expect(direction, `imports against the direction of the layers:\n${direction.join('\n')}`).toEqual([]);
  });

  it("a job imports no other job's files (what jobs share lives in src/domain/)", () => {
    const { jobToJob } = forbiddenImports(graph);
    expect(jobToJob, `jobs must not import other jobs:\n${jobToJob.join('\n')}`).toEqual([]);
  });

  it('names each kind of forbidden import (the rules can fail)', () => {
    const bad: ImportGraph = new Map([
      ['src/runner/runner.ts', ['jobs/heartbeat/index.ts', `${SANDBOX}simulator.ts`, 'app/jobs.ts']],
      ['jobs/heartbeat/index.ts', ['jobs/update-component/options.ts', 'demo/world.ts']],
      ['jobs/update-component/options.ts', []],
      ['app/jobs.ts', [`${SANDBOX}simulator.ts`]],
      [`${SANDBOX}simulator.ts`, ['src/notify/slack-limits.ts']],
      ['src/notify/slack-limits.ts', []],
      ['demo/world.ts', [`${SANDBOX}simulator.ts`, 'app/jobs.ts']],
    ]);
    const { direction, jobToJob } = forbiddenImports(bad);
    expect(direction.sort()).toEqual(
      [
        'app/jobs.ts → packages/forge-sandbox/src/simulator.ts',
        'jobs/heartbeat/index.ts → demo/world.ts',
        'packages/forge-sandbox/src/simulator.ts → src/notify/slack-limits.ts',
        'src/runner/runner.ts → app/jobs.ts',
        'src/runner/runner.ts → jobs/heartbeat/index.ts',
        'src/runner/runner.ts → packages/forge-sandbox/src/simulator.ts',
      ].sort(),
    );
    expect(jobToJob).toEqual(['jobs/heartbeat/index.ts → jobs/update-component/options.ts']);
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
