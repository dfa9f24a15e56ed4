/**
 * PostgreSQL for tests: the URL comes from RELEASE_BOT_TEST_PG_URL (`.ci/run` sets it). Without
 * it the calling suite is skipped, and says so on the console.
 */

export const PG_URL_VAR = 'RELEASE_BOT_TEST_PG_URL';

export function pgTestUrl(suite: string): string | undefined {
  const url = process.env[PG_URL_VAR];
  if (!url)
    console.warn(
      `[skipped] ${suite}: set ${PG_URL_VAR} (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL tests`,
    );
  return url || undefined;
}

/** The same database with the tables in their own schema (created on first migrate). */
export function schemaUrl(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}
