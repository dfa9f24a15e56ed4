import type { SimNote } from '../core/model.js';
import { accessLevel, ghTime, nodeId, parseNodeId, type Gh } from './context.js';
import { GqlFieldError, gqlObject, type GqlObject, type GqlValue } from './graphql-parse.js';

/**
 * `nodes(ids:)` for issue comments, with what GitHub tells about edits: `lastEditedAt` and
 * `editor` (null until edited) and `userContentEdits`, newest first, whose oldest entry is the
 * original as its author wrote it (GitHub lists it once the comment has been edited).
 */

function actor(gh: Gh, userId: number): GqlObject | null {
  const user = gh.world.users.get(userId);
  return user ? gqlObject(user.bot ? 'Bot' : 'User', { login: () => user.username }) : null;
}

function commentObject(gh: Gh, note: SimNote): GqlObject {
  const edits = note.edits ?? [];
  const last = edits[edits.length - 1];
  const history = edits.length
    ? [
        ...edits.map((e) => ({ editorId: e.editorId, at: e.at })).reverse(),
        { editorId: note.authorId, at: note.createdAt },
      ]
    : [];
  return gqlObject('IssueComment', {
    id: () => nodeId('IC', note.id),
    databaseId: () => note.id,
    body: () => note.body,
    createdAt: () => ghTime(note.createdAt),
    author: () => actor(gh, note.authorId),
    lastEditedAt: () => (last ? ghTime(last.at) : null),
    editor: () => (last ? actor(gh, last.editorId) : null),
    userContentEdits: (args) => {
      const first = typeof args.first === 'number' ? args.first : null;
      if (first === null || first < 0 || first > 100)
        throw new GqlFieldError(
          'EXCESSIVE_PAGINATION',
          'You must provide a `first` value between 0 and 100 to paginate the `userContentEdits` connection.',
        );
      const page = history.slice(0, first);
      return gqlObject('UserContentEditConnection', {
        totalCount: () => history.length,
        nodes: () =>
          page.map((e) =>
            gqlObject('UserContentEdit', {
              editedAt: () => ghTime(e.at),
              editor: () => actor(gh, e.editorId),
            }),
          ),
      });
    },
  });
}

/** The objects of `ids` the user may see; an id of anything else answers NOT_FOUND, as on GitHub. */
export function commentNodes(gh: Gh, userId: number, ids: GqlValue | undefined): GqlObject[] {
  const user = gh.world.users.get(userId);
  return (Array.isArray(ids) ? ids : []).map((id) => {
    const parsed = typeof id === 'string' ? parseNodeId(id) : null;
    const note =
      parsed?.kind === 'IC' ? gh.world.notes.find((n) => n.id === Number(parsed.id) && !n.system) : undefined;
    const project = note ? gh.world.projects.get(note.projectId) : undefined;
    if (!note || !project || project.forge !== 'github' || !user || accessLevel(gh, user, project) === 0)
      throw new GqlFieldError(
        'NOT_FOUND',
        `Could not resolve to a node with the global id of '${String(id)}'`,
      );
    return commentObject(gh, note);
  });
}
