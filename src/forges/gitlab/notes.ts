import type { NoteApi, Noteable } from '../types.js';
import type { GitlabClient } from './client.js';
import { toNote } from './map.js';

type Json = Record<string, unknown>;

export function createNoteApi(client: GitlabClient): NoteApi {
  const { api } = client;
  const resource = (on: Noteable) => (on.kind === 'issue' ? api.IssueNotes : api.MergeRequestNotes);
  const what = (on: Noteable) => (on.kind === 'issue' ? `#${on.iid}` : `!${on.iid}`);

  return {
    /** Oldest first, system notes included. */
    async list(project, on) {
      const notes = await resource(on).all(project, on.iid, {
        sort: 'asc',
        orderBy: 'created_at',
        perPage: 100,
      } as never);
      return (notes as unknown as Json[]).map(toNote);
    },

    async create(project, on, body) {
      client.write(`comment on ${what(on)} in ${project}`);
      return toNote((await resource(on).create(project, on.iid, body)) as unknown as Json);
    },

    async update(project, on, noteId, body) {
      client.write(`edit note ${noteId} on ${what(on)} in ${project}`);
      return toNote((await resource(on).edit(project, on.iid, noteId, { body })) as unknown as Json);
    },

    /**
     * GitLab lets the author and any Maintainer edit a note (NotePolicy/ProjectPolicy
     * `admin_note`), records no system note for it, and its REST answer shows only `updated_at`
     * (the editor, `last_edited_by`, is GraphQL-only). So an edit is known, its editor is not.
     */
    async edits(_project, _on, notes) {
      return notes
        .filter((note) => note.updatedAt && Date.parse(note.updatedAt) > Date.parse(note.createdAt))
        .map((note) => ({ noteId: note.id, editedAt: note.updatedAt!, editors: null }));
    },
  };
}
