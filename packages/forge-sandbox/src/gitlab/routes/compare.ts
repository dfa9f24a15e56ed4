import { ACCESS } from '../../core/world.js';
import { loadProject, P, type Gitlab } from '../context.js';
import { notFound } from '../errors.js';
import { fileDiffs } from '../git-extra.js';
import { bool, required } from '../params.js';
import { commitBasic } from '../serializers/commit.js';
import { projectUrl } from '../serializers/project.js';

export function registerCompare(gl: Gitlab): void {
  gl.add('GET', `${P}/repository/compare`, async (req) => {
    const project = loadProject(gl, req, ACCESS.reporter);
    const [from, to] = required(req, 'from', 'to');
    const straight = bool(req, 'straight') ?? false;
    const fromSha = await project.repo.resolve(from!);
    const toSha = await project.repo.resolve(to!);
    if (!fromSha || !toSha) throw notFound('Ref');
    // Like GitLab: commits are `from..to` (oldest first); diffs start at the merge base unless straight.
    const commits = (await project.repo.log(toSha, { exclude: fromSha })).reverse();
    const base = straight ? fromSha : ((await project.repo.mergeBase(fromSha, toSha)) ?? fromSha);
    const timeout = project.compareTimeoutShas.has(toSha);
    const diffs = timeout || base === toSha ? [] : await fileDiffs(project.repo.dir, base, toSha);
    const last = commits[commits.length - 1];
    return {
      body: {
        commit: last ? commitBasic(gl, project, last) : null,
        commits: commits.map((c) => commitBasic(gl, project, c)),
        diffs,
        compare_timeout: timeout,
        compare_same_ref: fromSha === toSha,
        web_url: `${projectUrl(gl, project)}/-/compare/${fromSha}...${toSha}`,
      },
    };
  });
}
