import type { NoteApi } from '../types.js';
import type { GithubClient } from './client.js';
import { toNote } from './map.js';
import type { GhComment } from './wire.js';

/** Notes are issue comments on GitHub, for issues and pull requests alike. */
export function createNoteApi(gh: GithubClient): NoteApi {
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
      return comments.map(toNote);
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
      return toNote(comment);
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
      return toNote(comment);
    },
  };
}
