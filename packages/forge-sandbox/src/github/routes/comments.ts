import type { SimNote, SimProject } from '../../core/model.js';
import { GhError, ghTime, nodeId, notFound, ok, repoOf, str, validationFailed, type Gh } from '../context.js';
import { findIssueOrPull } from '../numbers.js';
import { paged } from '../paging.js';
import { repoHtml, repoUrl } from '../serializers/repos.js';
import { association, userJson } from '../serializers/users.js';

export function commentJson(gh: Gh, project: SimProject, note: SimNote): Record<string, unknown> {
  const kind = note.noteableType === 'MergeRequest' ? 'pull' : 'issues';
  return {
    id: note.id,
    node_id: nodeId('IC', note.id),
    url: `${repoUrl(gh, project)}/issues/comments/${note.id}`,
    html_url: `${repoHtml(gh, project)}/${kind}/${note.noteableIid}#issuecomment-${note.id}`,
    body: note.body,
    user: userJson(gh, note.authorId),
    created_at: ghTime(note.createdAt),
    updated_at: ghTime(note.updatedAt),
    issue_url: `${repoUrl(gh, project)}/issues/${note.noteableIid}`,
    author_association: association(gh, project, note.authorId),
    performed_via_github_app: null,
  };
}

function findComment(gh: Gh, project: SimProject, id: string | undefined): SimNote {
  const note = gh.world.notes.find((n) => n.id === Number(id) && n.projectId === project.id && !n.system);
  if (!note) throw notFound();
  return note;
}

/** Issue (and pull request) comments. System notes are GitHub timeline events, not comments. */
export function registerComments(gh: Gh): void {
  gh.add(
    'GET',
    '/repos/:owner/:repo/issues/:number/comments',
    (req) => {
      const project = repoOf(gh, req);
      const item = findIssueOrPull(gh, project, req.params.number);
      const number = item.kind === 'issue' ? item.issue.iid : item.mr.iid;
      const since = req.query.get('since');
      const notes = gh.world.notes
        .filter((n) => n.projectId === project.id && n.noteableIid === number && !n.system)
        .filter((n) => !since || Date.parse(n.updatedAt) >= Date.parse(since))
        .sort((a, b) => a.id - b.id);
      const page = paged(gh, req, notes);
      return ok(
        page.items.map((n) => commentJson(gh, project, n)),
        200,
        page.headers,
      );
    },
    { anonymous: true },
  );

  gh.add('POST', '/repos/:owner/:repo/issues/:number/comments', (req) => {
    const project = repoOf(gh, req);
    const item = findIssueOrPull(gh, project, req.params.number);
    const body = str(req.body.body);
    if (!body) throw validationFailed({ resource: 'IssueComment', code: 'missing_field', field: 'body' });
    const note = gh.world.addNote({
      projectId: project.id,
      noteableType: item.kind === 'issue' ? 'Issue' : 'MergeRequest',
      noteableIid: item.kind === 'issue' ? item.issue.iid : item.mr.iid,
      body,
      authorId: req.user!.id,
    });
    return ok(commentJson(gh, project, note), 201);
  });

  gh.add(
    'GET',
    '/repos/:owner/:repo/issues/comments/:id',
    (req) => {
      const project = repoOf(gh, req);
      return ok(commentJson(gh, project, findComment(gh, project, req.params.id)));
    },
    { anonymous: true },
  );

  gh.add('PATCH', '/repos/:owner/:repo/issues/comments/:id', (req) => {
    const project = repoOf(gh, req);
    const note = findComment(gh, project, req.params.id);
    const user = req.user!;
    if (note.authorId !== user.id && gh.world.accessLevel(user, project) < 20)
      throw new GhError(403, 'Must have triage access to repository');
    const body = str(req.body.body);
    if (!body) throw validationFailed({ resource: 'IssueComment', code: 'missing_field', field: 'body' });
    // GitHub keeps who edited (GraphQL `editor`, `userContentEdits`), also when it is not the author.
    const at = gh.world.nowIso();
    (note.edits ??= []).push({ editorId: user.id, at, before: note.body });
    note.body = body;
    note.updatedAt = at;
    return ok(commentJson(gh, project, note));
  });

  gh.add('DELETE', '/repos/:owner/:repo/issues/comments/:id', (req) => {
    const project = repoOf(gh, req);
    const note = findComment(gh, project, req.params.id);
    if (note.authorId !== req.user!.id && gh.world.accessLevel(req.user!, project) < 20)
      throw new GhError(403, 'Must have triage access to repository');
    gh.world.notes.splice(gh.world.notes.indexOf(note), 1);
    return { status: 204 };
  });
}
