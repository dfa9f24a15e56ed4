import { API, currentUser, page, type Gitlab } from '../context.js';
import { notFound } from '../errors.js';
import { str } from '../params.js';
import { currentUserEntity, userBasic } from '../serializers/user.js';

export function registerUsers(gl: Gitlab): void {
  gl.add('GET', `${API}/user`, (req) => ({ body: currentUserEntity(gl, currentUser(req)) }));

  gl.add('GET', `${API}/users`, (req) => {
    const username = str(req, 'username')?.toLowerCase();
    const search = str(req, 'search')?.toLowerCase();
    const users = [...gl.world.users.values()].filter(
      (u) =>
        (!username || u.username.toLowerCase() === username) &&
        (!search ||
          u.username.toLowerCase().includes(search) ||
          u.name.toLowerCase().includes(search) ||
          u.email.toLowerCase() === search),
    );
    const { items, headers } = page(gl, req, users);
    return { body: items.map((u) => userBasic(gl, u)), headers };
  });

  gl.add('GET', `${API}/users/:user_id`, (req) => {
    const user = gl.world.users.get(Number(req.params.user_id));
    if (!user) throw notFound('User');
    return { body: { ...userBasic(gl, user), created_at: user.createdAt, bot: user.bot } };
  });
}
