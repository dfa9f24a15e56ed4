import type { SimNote, SimProject } from '../../core/model.js';
import type { SimRequest } from '../../core/server.js';
import { ACCESS } from '../../core/world.js';
import { currentUser, loadProject, P, page, sortBy, type Gitlab } from '../context.js';
import { forbidden, notFound } from '../errors.js';
import { oneOf, required } from '../params.js';
import { noteEntity } from '../serializers/note.js';

type NoteableType = SimNote['noteableType'];

const KINDS: { path: string; type: NoteableType }[] = [
  { path: 'merge_requests', type: 'MergeRequest' },
  { path: 'issues', type: 'Issue' },
];

function findNoteable(gl: Gitlab, project: SimProject, type: NoteableType, iid: string | undefined): number {
  const n = Number(iid);
  const found =
    type === 'MergeRequest'
      ? gl.world.mergeRequests.some((m) => m.projectId === project.id && m.iid === n)
      : gl.world.issues.some((i) => i.projectId === project.id && i.iid === n);
  if (!found) throw notFound();
  return n;
}

function findNote(
  gl: Gitlab,
  req: SimRequest,
  project: SimProject,
  type: NoteableType,
  iid: number,
): SimNote {
  const note = gl.world.notes.find(
    (n) =>
      n.id === Number(req.params.note_id) &&
      n.projectId === project.id &&
      n.noteableType === type &&
      n.noteableIid === iid,
  );
  if (!note) throw notFound('Note');
  return note;
}

export function registerNotes(gl: Gitlab): void {
  for (const { path, type } of KINDS) {
    const base = `${P}/${path}/:iid/notes`;

    gl.add('GET', base, (req) => {
      const project = loadProject(gl, req);
      const iid = findNoteable(gl, project, type, req.params.iid);
      const orderBy = oneOf(req, 'order_by', ['created_at', 'updated_at'] as const) ?? 'created_at';
      const sort = oneOf(req, 'sort', ['asc', 'desc'] as const) ?? 'desc';
      const notes = gl.world.notes.filter(
        (n) => n.projectId === project.id && n.noteableType === type && n.noteableIid === iid,
      );
      const ordered = sortBy(
        sortBy(notes, (n) => n.id, sort),
        (n) => (orderBy === 'updated_at' ? n.updatedAt : n.createdAt),
        sort,
      );
      const { items, headers } = page(gl, req, ordered);
      return { body: items.map((n) => noteEntity(gl, n)), headers };
    });

    gl.add('GET', `${base}/:note_id`, (req) => {
      const project = loadProject(gl, req);
      const iid = findNoteable(gl, project, type, req.params.iid);
      return { body: noteEntity(gl, findNote(gl, req, project, type, iid)) };
    });

    gl.add('POST', base, (req) => {
      const project = loadProject(gl, req, ACCESS.guest);
      const iid = findNoteable(gl, project, type, req.params.iid);
      const [body] = required(req, 'body');
      const note = gl.world.addNote({
        projectId: project.id,
        noteableType: type,
        noteableIid: iid,
        body: body!,
        authorId: currentUser(req).id,
      });
      touch(gl, project, type, iid);
      return { status: 201, body: noteEntity(gl, note) };
    });

    gl.add('PUT', `${base}/:note_id`, (req) => {
      const project = loadProject(gl, req);
      const iid = findNoteable(gl, project, type, req.params.iid);
      const note = findNote(gl, req, project, type, iid);
      const [body] = required(req, 'body');
      const user = currentUser(req);
      if (
        note.system ||
        (note.authorId !== user.id && gl.world.accessLevel(user, project) < ACCESS.maintainer)
      )
        throw forbidden();
      // A Maintainer may edit anyone's note; GitLab adds no system note for it and its REST
      // answer shows only `updated_at` (the editor is kept, as `last_edited_by`, for GraphQL).
      const at = gl.world.nowIso();
      (note.edits ??= []).push({ editorId: user.id, at, before: note.body });
      note.body = body!;
      note.updatedAt = at;
      return { body: noteEntity(gl, note) };
    });

    gl.add('DELETE', `${base}/:note_id`, (req) => {
      const project = loadProject(gl, req);
      const iid = findNoteable(gl, project, type, req.params.iid);
      const note = findNote(gl, req, project, type, iid);
      const user = currentUser(req);
      if (
        note.system ||
        (note.authorId !== user.id && gl.world.accessLevel(user, project) < ACCESS.maintainer)
      )
        throw forbidden();
      gl.world.notes.splice(gl.world.notes.indexOf(note), 1);
      return { status: 204 };
    });
  }
}

function touch(gl: Gitlab, project: SimProject, type: NoteableType, iid: number): void {
  const now = gl.world.nowIso();
  const target =
    type === 'MergeRequest'
      ? gl.world.mergeRequests.find((m) => m.projectId === project.id && m.iid === iid)
      : gl.world.issues.find((i) => i.projectId === project.id && i.iid === iid);
  if (target) target.updatedAt = now;
}
