import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';

/**
 * The Kubernetes examples pass a namespace that enforces the "restricted" Pod Security Standard
 * (checked field by field, as the admission controller would: kubeconform is not installable here),
 * expose /metrics through a Service and a ServiceMonitor with the daemon's bearer token, and alert
 * only on metrics the bot exports.
 */

type Obj = Record<string, unknown>;
const dir = join(ROOT, 'deploy/kubernetes');
const manifests: Obj[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj));
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const at = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), value);

/** Pod templates of Deployments and CronJobs. */
function podSpecs(): { name: string; spec: Obj }[] {
  return [
    ...byKind('Deployment').map((d) => ({
      name: String(at(d, 'metadata.name')),
      spec: at(d, 'spec.template.spec') as Obj,
    })),
    ...byKind('CronJob').map((c) => ({
      name: String(at(c, 'metadata.name')),
      spec: at(c, 'spec.jobTemplate.spec.template.spec') as Obj,
    })),
  ];
}

/** Violations of the restricted profile (kubernetes.io/docs/concepts/security/pod-security-standards). */
function restrictedViolations(spec: Obj): string[] {
  const problems: string[] = [];
  const pod = (spec.securityContext ?? {}) as Obj;
  const containers = [...((spec.containers ?? []) as Obj[]), ...((spec.initContainers ?? []) as Obj[])];
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[key]) problems.push(`${key} set`);
  const allowedVolumes = [
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ];
  for (const volume of (spec.volumes ?? []) as Obj[]) {
    const type = Object.keys(volume).find((k) => k !== 'name')!;
    if (!allowedVolumes.includes(type)) problems.push(`volume ${String(volume.name)} is ${type}`);
  }
  if (pod.runAsUser === 0) problems.push('pod runs as uid 0');
  for (const c of containers) {
    const sc = (c.securityContext ?? {}) as Obj;
    const name = String(c.name);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${name}: runAsNonRoot not true`);
    if (sc.runAsUser === 0) problems.push(`${name}: runs as uid 0`);
    const seccomp = at(sc, 'seccompProfile.type') ?? at(pod, 'seccompProfile.type');
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${name}: seccompProfile ${String(seccomp)}`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation not false`);
    if (sc.privileged) problems.push(`${name}: privileged`);
    const drop = (at(sc, 'capabilities.drop') ?? []) as string[];
    if (!drop.includes('ALL')) problems.push(`${name}: capabilities not dropped (ALL)`);
    const add = (at(sc, 'capabilities.add') ?? []) as string[];
    if (add.some((a) => a !== 'NET_BIND_SERVICE')) problems.push(`${name}: adds ${add.join(',')}`);
    for (const port of (c.ports ?? []) as Obj[]) if (port.hostPort) problems.push(`${name}: hostPort`);
  }
  return problems;
}

describe('Kubernetes manifests', () => {
  it('parse, and every pod passes the restricted Pod Security Standard', () => {
    const pods = podSpecs();
    expect(pods.length).toBeGreaterThanOrEqual(3);
    for (const { name, spec } of pods) expect(restrictedViolations(spec), name).toEqual([]);
  });

  it('a privileged-looking pod is caught by the same check', () => {
    const bad = {
      hostNetwork: true,
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }],
    };
    expect(restrictedViolations(bad)).toHaveLength(7);
  });

  it('have a read-only root filesystem with /tmp on an emptyDir', () => {
    for (const { name, spec } of podSpecs()) {
      const volumes = (spec.volumes ?? []) as Obj[];
      for (const c of spec.containers as Obj[]) {
        expect(at(c, 'securityContext.readOnlyRootFilesystem'), name).toBe(true);
        const tmp = ((c.volumeMounts ?? []) as Obj[]).find((m) => m.mountPath === '/tmp');
        expect(tmp, `${name}: /tmp mount`).toBeDefined();
        expect(volumes.find((v) => v.name === tmp!.name)?.emptyDir, name).toBeDefined();
      }
    }
  });

  it('expose /metrics through a Service and a ServiceMonitor that sends the daemon’s token', () => {
    const [deployment] = byKind('Deployment');
    const [service] = byKind('Service');
    const [monitor] = byKind('ServiceMonitor');
    const podLabels = at(deployment, 'spec.template.metadata.labels') as Obj;
    for (const [k, v] of Object.entries(at(service, 'spec.selector') as Obj)) expect(podLabels[k]).toBe(v);
    const container = (at(deployment, 'spec.template.spec.containers') as Obj[])[0]!;
    const servicePort = (at(service, 'spec.ports') as Obj[])[0]!;
    expect((container.ports as Obj[]).map((p) => p.name)).toContain(servicePort.targetPort);
    const serviceLabels = at(service, 'metadata.labels') as Obj;
    for (const [k, v] of Object.entries(at(monitor, 'spec.selector.matchLabels') as Obj))
      expect(serviceLabels[k]).toBe(v);
    const endpoint = (at(monitor, 'spec.endpoints') as Obj[])[0]!;
    expect(endpoint.port).toBe(servicePort.name);
    expect(endpoint.path).toBe('/metrics');
    expect(endpoint.honorLabels).toBe(true);
    // The token the ServiceMonitor sends is the one the daemon checks (server.auth.token).
    const key = String(at(endpoint, 'authorization.credentials.key'));
    const [secret] = byKind('Secret');
    expect(at(endpoint, 'authorization.credentials.name')).toBe(at(secret, 'metadata.name'));
    expect(Object.keys(at(secret, 'stringData') as Obj)).toContain(key);
    const config = String((at(byKind('ConfigMap')[0], 'data') as Obj)['release-bot.yaml']);
    expect(config).toMatch(new RegExp(`auth:\\s*\\n\\s*token: \\$\\{${key}\\}`));
  });

  it('alert only on metrics the bot exports', () => {
    const exported = new Set(
      [...readFileSync(join(ROOT, 'src/http/metrics.ts'), 'utf8').matchAll(/name: '(release_bot_\w+)'/g)].map(
        (m) => m[1],
      ),
    );
    const rules = byKind('PrometheusRule').flatMap((r) =>
      (at(r, 'spec.groups') as Obj[]).flatMap((g) => g.rules as Obj[]),
    );
    expect(rules.length).toBeGreaterThanOrEqual(3);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^ReleaseBot/);
      for (const [name] of String(rule.expr).matchAll(/release_bot_\w+/g))
        expect(exported, String(rule.alert)).toContain(name);
    }
  });
});
