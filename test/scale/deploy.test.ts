import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { jobs } from '../../app/jobs.js';
import { loadAppConfig } from '../../app/app.js';
import { jobSettings } from '../../src/runner/settings.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The deployment examples stay valid: their config loads, and they keep the settings the docs promise. */

type Doc = Record<string, unknown> & {
  kind: string;
  metadata: { name: string };
  spec: Record<string, never>;
};

function docs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(ROOT, 'deploy', file), 'utf8')).map((d) => d.toJS() as Doc);
}

/** Environment the Secret provides. */
function secretEnv(): Record<string, string> {
  const [secret] = docs('kubernetes/secret.yaml');
  return secret!.stringData as unknown as Record<string, string>;
}

describe('deployment examples', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('ship a config that validates with the Secret’s variables, on PostgreSQL', async () => {
    const [configMap] = docs('kubernetes/configmap.yaml');
    const file = join(tmp.dir, 'release-bot.yaml');
    writeFileSync(file, (configMap!.data as Record<string, string>)['release-bot.yaml']!);
    const env = secretEnv();
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\//);
    const { config } = await loadAppConfig({ configPath: file, env });
    expect(config.store.url).toBeUndefined();
    for (const job of jobs) if (config.jobs[job.name]) jobSettings(config, job);
  });

  it('run two daemon replicas with probes on /healthz and time to finish runs', () => {
    const deployment = docs('kubernetes/daemon.yaml').find((d) => d.kind === 'Deployment')!;
    const spec = deployment.spec as unknown as {
      replicas: number;
      template: { spec: { terminationGracePeriodSeconds: number; containers: Record<string, never>[] } };
    };
    expect(spec.replicas).toBe(2);
    const [container] = spec.template.spec.containers as unknown as {
      args: string[];
      envFrom: { secretRef: { name: string } }[];
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
    }[];
    expect(container!.args).toEqual(['start']);
    expect(container!.envFrom[0]!.secretRef.name).toBe('release-bot');
    expect(container!.readinessProbe.httpGet.path).toBe('/healthz');
    expect(container!.livenessProbe.httpGet.path).toBe('/healthz');
    expect(spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(30);
  });

  it('have one CronJob per job: Forbid, no Kubernetes retries, `release-bot run <job>`', () => {
    const names = jobs.map((j) => j.name);
    const cronJobs = docs('kubernetes/cronjobs.yaml');
    expect(cronJobs.length).toBeGreaterThan(0);
    for (const cronJob of cronJobs) {
      const spec = cronJob.spec as unknown as {
        concurrencyPolicy: string;
        jobTemplate: {
          spec: {
            backoffLimit: number;
            template: { spec: { restartPolicy: string; containers: { args: string[] }[] } };
          };
        };
      };
      expect(cronJob.kind).toBe('CronJob');
      expect(spec.concurrencyPolicy).toBe('Forbid');
      expect(spec.jobTemplate.spec.backoffLimit).toBe(0);
      expect(spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
      const [command, job, ...flags] = spec.jobTemplate.spec.template.spec.containers[0]!.args;
      expect(command).toBe('run');
      expect(names).toContain(job);
      // Counted as scheduled: Sentry check-ins, and move-stable-branches waits for its approval.
      expect(flags).toEqual(['--trigger', 'schedule']);
      expect(cronJob.metadata.name).toBe(`release-bot-${job}`);
    }
  });

  it('run a job from a GitLab pipeline schedule, letting a refusal (exit 3) through', () => {
    const ci = parse(readFileSync(join(ROOT, 'deploy/gitlab-ci/.gitlab-ci.yml'), 'utf8')) as Record<
      string,
      { script: string[]; allow_failure: { exit_codes: number[] }; rules: { if: string }[] }
    >;
    const job = ci['release-bot']!;
    expect(job.script).toEqual(['release-bot run "$RELEASE_BOT_JOB" --trigger schedule']);
    expect(job.allow_failure.exit_codes).toEqual([3]);
    expect(job.rules[0]!.if).toContain('$CI_PIPELINE_SOURCE == "schedule"');
  });
});
