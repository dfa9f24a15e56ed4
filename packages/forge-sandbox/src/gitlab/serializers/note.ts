import type { SimNote } from '../../core/model.js';
import type { Gitlab } from '../context.js';
import { userById } from './user.js';

export function noteEntity(gl: Gitlab, note: SimNote): Record<string, unknown> {
  const noteable =
    note.noteableType === 'MergeRequest'
      ? gl.world.mergeRequests.find((m) => m.projectId === note.projectId && m.iid === note.noteableIid)
      : gl.world.issues.find((i) => i.projectId === note.projectId && i.iid === note.noteableIid);
  return {
    id: note.id,
    type: null,
    body: note.body,
    attachment: null,
    author: userById(gl, note.authorId),
    created_at: note.createdAt,
    updated_at: note.updatedAt,
    system: note.system,
    noteable_id: noteable?.id ?? null,
    noteable_type: note.noteableType,
    project_id: note.projectId,
    resolvable: false,
    confidential: false,
    internal: false,
    imported: false,
    imported_from: 'none',
    noteable_iid: note.noteableIid,
    commands_changes: {},
  };
}
