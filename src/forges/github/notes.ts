import type { NoteApi, NoteEdits } from '../types.js';
import type { GithubClient } from './client.js';
import { toNote } from './map.js';
import type { GhComment } from './wire.js';

/**
 * Who edited a comment: REST shows only `updated_at` (to the second); GraphQL names the editors
 * (`editor`, `lastEditedAt`, and `userContentEdits`, which includes the original as written).
 */
const COMMENT_EDITS = `query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on IssueComment {
      databaseId
      lastEditedAt
      editor { login }
      userContentEdits(first: 100) { nodes { editor { login } } }
    }
  }
}`;

interface GqlCommentEdits {
  nodes: ({
    databaseId?: number | null;
    lastEditedAt?: string | null;
    editor?: { login: string } | null;
    userContentEdits?: { nodes: ({ editor: { login: string } | null } | null)[] | null } | null;
  } | null)[];
}

/** Notes are issue comments on GitHub, for issues and pull requests alike. */
export function createNoteApi(gh: GithubClient): NoteApi {
  // GraphQL addresses a comment by its node id, which only the REST answer gives.
  const nodeIds = new Map<number, string>();
  const remember = (c: GhComment & { node_id?: string }) => {
    if (c.node_id) nodeIds.set(c.id, c.node_id);
    return c;
  };

  return {
    async list(project, on) {
      const comments = await gh.paginate<GhComment>(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        {
          ...gh.repo(project),
          issue_number: on.iid,
          per_page: 100,
        },
      );
      return comments.map((c) => toNote(remember(c)));
    },
    async create(project, on, body) {
      gh.write(`comment on #${on.iid}`);
      const comment = await gh.request<GhComment>(
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        {
          ...gh.repo(project),
          issue_number: on.iid,
          body,
        },
      );
      return toNote(remember(comment));
    },
    async update(project, _on, noteId, body) {
      gh.write(`edit comment ${noteId}`);
      const comment = await gh.request<GhComment>(
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        {
          ...gh.repo(project),
          comment_id: noteId,
          body,
        },
      );
      return toNote(remember(comment));
    },
    async edits(project, _on, notes) {
      const ids: string[] = [];
      for (const note of notes) {
        if (note.system) continue;
        let id = nodeIds.get(note.id);
        if (!id) {
          const comment = await gh.request<GhComment & { node_id?: string }>(
            'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
            { ...gh.repo(project), comment_id: note.id },
          );
          id = remember(comment).node_id;
        }
        if (id) ids.push(id);
      }
      const edits: NoteEdits[] = [];
      for (let i = 0; i < ids.length; i += 100) {
        const data = await gh.graphql<GqlCommentEdits>(COMMENT_EDITS, { ids: ids.slice(i, i + 100) });
        for (const node of data.nodes) {
          if (!node?.databaseId || !node.lastEditedAt) continue;
          const editors = new Set<string>();
          // A deleted account shows as no editor: GitHub calls it "ghost"; never the author.
          for (const edit of node.userContentEdits?.nodes ?? []) editors.add(edit?.editor?.login ?? 'ghost');
          if (node.editor?.login) editors.add(node.editor.login);
          edits.push({ noteId: node.databaseId, editedAt: node.lastEditedAt, editors: [...editors] });
        }
      }
      return edits;
    },
  };
}
