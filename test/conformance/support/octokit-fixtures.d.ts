// @octokit/fixtures ships no types; the part the replay tests use.
declare module '@octokit/fixtures' {
  interface Definition {
    scope: string;
    method: string;
    path: string;
    status: number;
    response: unknown;
    headers?: Record<string, string>;
  }
  const fixtures: { get(name: string): Definition[] };
  export default fixtures;
}
