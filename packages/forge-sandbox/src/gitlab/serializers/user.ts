import type { SimUser } from '../../core/model.js';
import type { Gitlab } from '../context.js';

/** GitLab `UserBasic`: what appears as author, assignee, merged_by, ... */
export function userBasic(gl: Gitlab, user: SimUser | undefined | null): Record<string, unknown> | null {
  if (!user) return null;
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: `${gl.web()}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    web_url: `${gl.web()}/${user.username}`,
  };
}

export function userById(gl: Gitlab, id: number | null | undefined): Record<string, unknown> | null {
  return id === null || id === undefined ? null : userBasic(gl, gl.world.users.get(id));
}

/** `GET /user`: the current user with the fields only its owner sees. */
export function currentUserEntity(gl: Gitlab, user: SimUser): Record<string, unknown> {
  return {
    ...userBasic(gl, user),
    created_at: user.createdAt,
    bio: '',
    location: '',
    public_email: null,
    skype: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: '',
    job_title: '',
    pronouns: null,
    bot: user.bot,
    work_information: null,
    local_time: null,
    last_sign_in_at: user.createdAt,
    confirmed_at: user.createdAt,
    last_activity_on: user.createdAt.slice(0, 10),
    email: user.email,
    theme_id: 1,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: user.createdAt,
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: user.email,
    is_admin: user.admin,
  };
}
