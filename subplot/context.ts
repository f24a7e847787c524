// What step functions share within one scenario: its directory, embedded files, the last command run.

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ScenarioContext {
  dir: string;
  files: Map<string, string>;
  env: Record<string, string>;
  last?: CommandResult;
  cleanups: (() => Promise<void> | void)[];
}

export type StepFunction = (ctx: ScenarioContext, args: Record<string, string>) => Promise<void> | void;
