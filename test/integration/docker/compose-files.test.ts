import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig, serviceRoles } from '../../../src/config.js';
import {
  type ComposeModel,
  composeConfig,
  composeFiles,
  dockerDir,
  esgraphServices,
  readDockerYaml,
  repoRoot,
  requireTool,
  runTool,
} from '../../support/docker-files.js';
import { dockerfileStages } from '../../support/dockerfile.js';

/*
 * No Docker engine runs here, so the Compose files are checked as far as can be done without
 * one: Debian's docker-compose reads them as `docker compose up` would (interpolation, extends,
 * profiles), the Compose specification's JSON schema validates them, and every variable handed to
 * an esgraph container is one src/config.ts reads, with a value it accepts.
 */

const observabilityServices = ['grafana', 'jaeger', 'otel-collector', 'prometheus'];

/** Each Compose file as docker-compose reads it, without profiles. */
let models: Record<string, ComposeModel>;
beforeAll(async () => {
  await requireTool('docker-compose', ['version'], 'apt-get install docker-compose');
  models = Object.fromEntries(
    await Promise.all(composeFiles.map(async (file) => [file, await composeConfig(file)] as const)),
  );
});

describe('docker-compose config', () => {
  it.each(composeFiles)(
    'reads %s: Prometheus, Grafana, the collector and Jaeger come with the observability profile only',
    (file) => {
      // docker-compose 1.29's `config` prints every service whatever the profiles; each one's
      // `profiles` says whether a plain `up` starts it.
      const services = (models[file] as ComposeModel).services;
      const profiled = Object.entries(services).filter(([, service]) => service.profiles !== undefined);
      expect(profiled.map(([name]) => name).sort()).toEqual(observabilityServices);
      for (const [, service] of profiled) expect(service.profiles).toEqual(['observability']);
      expect(Object.keys(services).length).toBeGreaterThan(observabilityServices.length);
    },
  );

  it('refuses compose.cluster.yaml without JWT_SECRET, naming it', async () => {
    const run = await runTool('docker-compose', ['-f', join(dockerDir, 'compose.cluster.yaml'), 'config']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('JWT_SECRET');
  });

  it.each(composeFiles)('finds every file %s mounts from docker/', (file) => {
    const model = models[file] as ComposeModel;
    const mounted = Object.values(model.services).flatMap((service) =>
      (service.volumes ?? []).flatMap((volume) => {
        const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
        return source !== undefined && isAbsolute(source) ? [source] : [];
      }),
    );
    expect(mounted.length).toBeGreaterThan(0);
    for (const source of mounted) {
      expect(source.startsWith(dockerDir), `${source} is outside docker/`).toBe(true);
      expect(existsSync(source), `${source} does not exist`).toBe(true);
    }
  });
});

describe("the Compose specification's schema", () => {
  // The compose-spec project's schema (compose-spec/compose-spec, schema/compose-spec.json), as
  // dclint ships it; read as data, dclint's own rules are not applied.
  const schemaFile = join(
    dirname(createRequire(import.meta.url).resolve('dclint/package.json')),
    'schemas/compose.schema.json',
  );
  // Draft 07, named by an https address Ajv does not know it by (its own meta-schema is http).
  const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);

  it.each([...composeFiles, 'observability.yaml'])('validates %s', (file) => {
    const valid = validate(readDockerYaml(file));
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('refuses a service with a misspelt key, so the check above can fail', () => {
    const model = readDockerYaml('compose.yaml') as { services: Record<string, Record<string, unknown>> };
    const { environment, ...rest } = model.services.esgraph ?? {};
    const misspelt = { ...model, services: { ...model.services, esgraph: { ...rest, enviroment: environment } } };
    expect(validate(misspelt)).toBe(false);
  });
});

/** Names any process reads by convention, beside src/config.ts's own. */
const standardVariable = (name: string): boolean => name === 'NODE_ENV' || name.startsWith('OTEL_');

/** Runs readConfig on `env` and returns the names it read. */
const namesReadConfigReads = (env: Record<string, string>): Set<string> => {
  const read = new Set<string>();
  readConfig(
    new Proxy(env, {
      get: (target, name) => {
        if (typeof name === 'string') read.add(name);
        return Reflect.get(target, name);
      },
    }),
  );
  return read;
};

const runtimeStage = () => {
  const stage = dockerfileStages().find((candidate) => candidate.name === 'runtime');
  if (stage === undefined) throw new Error('docker/Dockerfile has no runtime stage');
  return stage;
};

describe('environment variables', () => {
  it.each(composeFiles)('gives esgraph in %s only variables src/config.ts reads, with values it accepts', (file) => {
    const services = esgraphServices(models[file] as ComposeModel);
    expect(services.length).toBeGreaterThan(0);
    for (const [name, service] of services) {
      // What the container sees: the image's ENV, then the service's environment over it.
      const env: Record<string, string> = { ...runtimeStage().env };
      for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = String(value ?? '');
      const read = namesReadConfigReads(env);
      const unread = Object.keys(env).filter((key) => !read.has(key) && !standardVariable(key));
      expect(unread, `service ${name}`).toEqual([]);
    }
  });

  it('would notice a variable src/config.ts does not read, so the checks above can fail', () => {
    const read = namesReadConfigReads({ SERVICE_ROLES: 'query', SERVICE_ROLE: 'command' });
    expect(read.has('SERVICE_ROLES')).toBe(true);
    expect(read.has('SERVICE_ROLE')).toBe(false);
  });

  it('sets in the image only variables src/config.ts reads', () => {
    const env = runtimeStage().env;
    const read = namesReadConfigReads({ ...env, JWT_SECRET: 'x'.repeat(32) });
    expect(Object.keys(env).filter((key) => !read.has(key) && !standardVariable(key))).toEqual([]);
  });

  it('splits the cluster by role: one command node, query and projector nodes two each, every role served', () => {
    const services = Object.fromEntries(esgraphServices(models['compose.cluster.yaml'] as ComposeModel));
    const rolesOf = (name: string): string[] =>
      readConfig({ ...runtimeStage().env, ...(services[name]?.environment as Record<string, string>) }).roles.slice();
    expect(Object.keys(services).sort()).toEqual(['command', 'projector', 'query']);
    expect(rolesOf('command')).toContain('command');
    expect(rolesOf('query')).toEqual(['query']);
    expect(rolesOf('projector')).toEqual(['projector']);
    expect(services.query?.deploy?.replicas).toBe(2);
    expect(services.projector?.deploy?.replicas).toBe(2);
    const served = new Set(Object.keys(services).flatMap(rolesOf));
    expect([...served].sort()).toEqual([...serviceRoles].sort());
  });
});

describe('the observability files', () => {
  const documented = (): Set<string> => {
    const architecture = readFileSync(join(repoRoot, 'docs/ARCHITECTURE.md'), 'utf8');
    const section = /^### Metric names\n([\s\S]*?)(?=^#{2,3} )/m.exec(architecture)?.[1];
    if (section === undefined) throw new Error('docs/ARCHITECTURE.md has no "### Metric names" section');
    return new Set([...section.matchAll(/^\| `([a-z0-9_]+)`/gm)].map((match) => match[1] as string));
  };
  const dashboardMetrics = (): Set<string> => {
    const dashboard = JSON.parse(readFileSync(join(dockerDir, 'grafana/dashboards/esgraph.json'), 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(expressions.length).toBeGreaterThan(10);
    return new Set(
      expressions.flatMap((expr) =>
        [...expr.matchAll(/\b((?:esgraph|process|nodejs)_[a-z0-9_]+)/g)].map((match) =>
          (match[1] as string).replace(/_(bucket|sum|count)$/, ''),
        ),
      ),
    );
  };

  it('has the dashboard read only metrics docs/ARCHITECTURE.md names, and every esgraph metric named there shown', () => {
    const names = documented();
    const shown = dashboardMetrics();
    expect([...shown].filter((name) => !names.has(name))).toEqual([]);
    expect([...names].filter((name) => name.startsWith('esgraph_') && !shown.has(name))).toEqual([]);
  });

  it.each([
    // One node in development answers /metrics on its API port; the production cluster on METRICS_PORT.
    ['prometheus/prometheus.yaml', 'compose.yaml', 4000],
    ['prometheus/prometheus.cluster.yaml', 'compose.cluster.yaml', 9464],
  ])('has %s scrape /metrics of the esgraph services of %s, on port %i', (config, file, port) => {
    const prometheus = readDockerYaml(config) as {
      scrape_configs: {
        metrics_path: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    const scraped = prometheus.scrape_configs.flatMap((job) => {
      expect(job.metrics_path).toBe('/metrics');
      return [
        ...(job.static_configs ?? []).flatMap((entry) => entry.targets),
        ...(job.dns_sd_configs ?? []).flatMap((entry) => entry.names.map((name) => `${name}:${entry.port}`)),
      ];
    });
    const services = esgraphServices(models[file] as ComposeModel).map(([name]) => `${name}:${port}`);
    expect(scraped.sort()).toEqual(services.sort());
  });
});
