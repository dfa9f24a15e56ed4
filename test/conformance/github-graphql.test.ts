import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFixture, MINUTE, PROJECT, type AdapterFixture } from '../forges/github/helpers.js';
import { checkDocument, checkGraphqlAnswer } from './support/graphql.js';

/**
 * The GraphQL documents the GitHub adapters send, checked against GitHub's published schema
 * (@octokit/graphql-schema), and the simulator's answers against the documents' selections.
 */

const ADAPTERS = fileURLToPath(new URL('../../src/forges/github/', import.meta.url));

/** Template literals in the adapters that hold a GraphQL operation. */
function adapterDocuments(): { file: string; document: string }[] {
  return readdirSync(ADAPTERS)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(join(ADAPTERS, file), 'utf8').matchAll(/`(\s*(?:query|mutation)\b[^`]*)`/g)].map(
        (m) => ({
          file,
          document: m[1]!,
        }),
      ),
    );
}

const branchChecks = () => adapterDocuments().find((d) => d.document.includes('statusCheckRollup'))!.document;

describe('GitHub conformance: GraphQL documents and answers', () => {
  let f: AdapterFixture;
  beforeAll(async () => {
    f = await adapterFixture({ ciJobs: [{ name: 'build', stage: 'build', durationMs: MINUTE }] });
    f.sim.setStatus('github', PROJECT, (await f.sim.project('github', PROJECT).repo.branchSha('main'))!, {
      context: 'stage/smoke',
      state: 'success',
      targetUrl: 'https://stage.example',
    });
    await f.sim.advance(5 * MINUTE);
  });
  afterAll(() => f.sim.close());

  it('every document the adapters send is valid against GitHub’s schema', () => {
    const documents = adapterDocuments();
    expect(documents.map((d) => d.file).sort()).toEqual([
      'change-requests.ts',
      'change-requests.ts',
      'ci.ts',
      'index.ts',
      'notes.ts',
    ]);
    for (const { file, document } of documents)
      expect({ file, errors: checkDocument(document) }).toEqual({ file, errors: [] });
  });

  it('a document with a field or variable type GitHub does not have is refused, naming it', () => {
    const wrong = branchChecks().replace('abbreviatedOid', 'shortOid');
    expect(checkDocument(wrong)).toEqual([
      expect.stringContaining('Cannot query field "shortOid" on type "Commit"'),
    ]);
    expect(
      checkDocument(branchChecks(), { owner: 'acme', name: 'app', ref: 'refs/heads/main', n: '5' }),
    ).toEqual([expect.stringContaining('Variable "$n" got invalid value "5"')]);
  });

  it('the simulator answers the branch-checks document with exactly its selection; a wrong answer is named', async () => {
    const variables = { owner: 'acme', name: 'app', ref: 'refs/heads/main', n: 5, after: null };
    expect(checkDocument(branchChecks(), variables)).toEqual([]);
    const res = await fetch(`${f.sim.github.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${f.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: branchChecks(), variables }),
    });
    const body = (await res.json()) as {
      data: { repository: { ref: { target: { history: { nodes: Record<string, unknown>[] } } } } };
    };
    expect(res.status).toBe(200);
    const nodes = body.data.repository.ref.target.history.nodes;
    expect(nodes.length).toBeGreaterThan(0);
    expect(checkGraphqlAnswer(branchChecks(), body)).toEqual([]);

    const commit = nodes[0]!;
    delete commit.abbreviatedOid;
    commit.extra = 1;
    commit.url = 42;
    const violations = checkGraphqlAnswer(branchChecks(), body).map((v) => `${v.at} ${v.rule}`);
    expect(violations).toEqual(
      expect.arrayContaining([
        '$.data.repository.ref.target.history.nodes[0].abbreviatedOid required',
        '$.data.repository.ref.target.history.nodes[0].url type',
        '$.data.repository.ref.target.history.nodes[0].extra additionalProperties',
      ]),
    );
    expect(checkGraphqlAnswer(branchChecks(), body)[0]!.operation).toBe('graphql query repository');
  });
});
