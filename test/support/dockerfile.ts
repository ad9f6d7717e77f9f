import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Copy, DockerfileParser, type Env, type Instruction } from 'dockerfile-ast';
import { dockerDir } from './docker-files.js';

/** One instruction of a stage, as the Dockerfile-steps test replays it. */
export type Step =
  | { readonly kind: 'run'; readonly command: string }
  | {
      readonly kind: 'copy';
      readonly from: string | undefined;
      readonly sources: string[];
      readonly destination: string;
    };

/** A stage of docker/Dockerfile: what runs before its WORKDIR (the system) and after (the app). */
export interface Stage {
  readonly name: string;
  readonly workdir: string | undefined;
  /** RUN commands before WORKDIR: setting up the operating system. */
  readonly systemSteps: string[];
  /** RUN and COPY after WORKDIR, in order. */
  readonly steps: Step[];
  /** ENV set in the stage, in order. */
  readonly env: Record<string, string>;
  /** CMD, HEALTHCHECK's command and ENTRYPOINT in exec form, when the stage has them. */
  readonly cmd: string[] | undefined;
  readonly healthcheck: string[] | undefined;
  readonly entrypoint: string[] | undefined;
  readonly user: string | undefined;
}

const execForm = (text: string, what: string): string[] => {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`${what} is not in exec form: ${text}`);
  }
  return parsed;
};

const stepOf = (instruction: Instruction): Step | undefined => {
  const keyword = instruction.getKeyword();
  if (keyword === 'RUN') return { kind: 'run', command: instruction.getArgumentsContent() ?? '' };
  if (keyword !== 'COPY') return undefined;
  const args = instruction.getArguments().map((argument) => argument.getValue());
  const destination = args.pop();
  if (destination === undefined) throw new Error('COPY without a destination');
  return {
    kind: 'copy',
    from: (instruction as Copy).getFromFlag()?.getValue() ?? undefined,
    sources: args,
    destination,
  };
};

/** docker/Dockerfile, stage by stage. */
export const dockerfileStages = (): Stage[] => {
  const dockerfile = DockerfileParser.parse(readFileSync(join(dockerDir, 'Dockerfile'), 'utf8'));
  const stages: Stage[] = [];
  let stage:
    | {
        -readonly [K in keyof Stage]: Stage[K];
      }
    | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const content = instruction.getArgumentsContent() ?? '';
    if (keyword === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(content)?.[1];
      if (name === undefined) throw new Error(`unnamed stage: FROM ${content}`);
      stage = {
        name,
        workdir: undefined,
        systemSteps: [],
        steps: [],
        env: {},
        cmd: undefined,
        healthcheck: undefined,
        entrypoint: undefined,
        user: undefined,
      };
      stages.push(stage);
      continue;
    }
    if (stage === undefined) throw new Error(`${keyword} before any FROM`);
    if (keyword === 'WORKDIR') stage.workdir = content;
    else if (keyword === 'ENV') {
      for (const property of (instruction as Env).getProperties()) {
        stage.env[property.getName()] = property.getValue() ?? '';
      }
    } else if (keyword === 'CMD') stage.cmd = execForm(content, 'CMD');
    else if (keyword === 'ENTRYPOINT') stage.entrypoint = execForm(content, 'ENTRYPOINT');
    else if (keyword === 'USER') stage.user = content;
    else if (keyword === 'HEALTHCHECK') {
      const command = /\bCMD\s+(\[.*\])\s*$/s.exec(content)?.[1];
      if (command === undefined) throw new Error(`HEALTHCHECK without an exec-form CMD: ${content}`);
      stage.healthcheck = execForm(command, 'HEALTHCHECK CMD');
    } else {
      const step = stepOf(instruction);
      if (step === undefined) continue;
      if (stage.workdir !== undefined) stage.steps.push(step);
      else if (step.kind === 'run') stage.systemSteps.push(step.command);
      else throw new Error(`COPY before WORKDIR in stage ${stage.name}: the steps test would not know where it goes`);
    }
  }
  return stages;
};
