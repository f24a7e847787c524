// `git contractor run [REV]` and `contractor build SPEC`: options in, a reporter wired, an exit code out.
import { Option, type Command } from 'commander';
import type { JobResult } from '../manager/job.js';
import { startRevision } from '../git/revision-start.js';
import { hasUncommittedChanges, UNCOMMITTED_NOTE } from '../git/uncommitted.js';
import { createProgress } from '../report/progress.js';
import { dumbTerminal, styleFor } from '../report/style.js';
import { summaryLines } from '../report/summary.js';
import { DRIVER_NAMES, type DriverName } from '../spec/types.js';

interface RunFlags {
  driver?: DriverName;
  out?: string;
  json?: boolean;
  audit?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  policy?: string;
  worktree?: boolean;
  cache?: boolean;
  manager?: string;
}

function withRunOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--driver <name>', 'isolation tier').choices([...DRIVER_NAMES]))
    .option('--out <dir>', 'where result.json, log.txt and artifacts/ go')
    .option('--json', 'print the result document on stdout; progress goes to stderr')
    .option('--audit', 'report violations without failing the build')
    .option('-q, --quiet', 'print only the summary')
    .option('-v, --verbose', 'with --json, still show the live log on stderr')
    .option('--policy <file>', 'trusted policy file (default: $CONTRACTOR_HOME/policy.yaml)');
}

function reporter(flags: RunFlags) {
  const out = flags.json ? process.stderr : process.stdout;
  const style = styleFor(out);
  const live = !flags.quiet && (!flags.json || flags.verbose);
  const onEvent = live
    ? createProgress({ out, style, showLog: true, plain: dumbTerminal() })
    : undefined;
  const finish = (r: JobResult, cached = false, notes: string[] = []): void => {
    onEvent?.finish();
    for (const n of notes) out.write(style.yellow(n) + '\n');
    if (cached && !flags.json)
      out.write(
        style.dim('(cached: this tree already passed under the same spec, policy and worker)\n'),
      );
    if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    if (!flags.json || flags.verbose) out.write(summaryLines(r, style).join('\n') + '\n');
    process.exitCode = r.exitCode;
  };
  return { onEvent, finish };
}

function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => controller.abort());
  return controller.signal;
}

export function addRunCommands(program: Command): void {
  withRunOptions(
    program
      .command('run')
      .description(
        "build a commit (default HEAD) from its tree in an isolated worker, with the commit's .contractor.yaml",
      )
      .argument('[rev]', 'the revision to build', 'HEAD')
      .option(
        '--worktree',
        'build a snapshot of the working tree (tracked and unignored files) instead',
      )
      .option('--no-cache', 'build even if this tree already passed under the same key')
      .option(
        '--manager <name>',
        'run on a remote manager from config.yaml (NAME, A,B or * for a pool; local for this machine; default: git config contractor.manager)',
      ),
  ).action(async (rev: string, flags: RunFlags) => {
    const where = {
      cwd: process.cwd(),
      rev,
      worktree: Boolean(flags.worktree),
      noCache: flags.cache === false,
      audit: Boolean(flags.audit),
      manager: flags.manager,
    };
    // git starts now; the rest of the run's code loads while it works.
    const started = startRevision(where);
    // HEAD's edits are not in HEAD's tree: said at the end, beside the result they are not in.
    const edited =
      !where.worktree && rev === 'HEAD' ? hasUncommittedChanges(where.cwd) : Promise.resolve(false);
    try {
      const { onEvent, finish } = reporter(flags);
      const { runRevision } = await import('../git/run-revision.js');
      const { result, cached } = await runRevision(
        {
          ...where,
          driver: flags.driver,
          outDir: flags.out,
          policyFile: flags.policy,
          onEvent,
          signal: abortOnSignals(),
        },
        started,
      );
      finish(result, cached, (await edited) ? [UNCOMMITTED_NOTE] : []);
    } finally {
      started.release();
    }
  });

  withRunOptions(
    program
      .command('build')
      .description(
        "build a spec's source directory as it is now (a snapshot), as the seed's `contractor build`",
      )
      .argument('<spec>', 'the spec file'),
  ).action(async (specFile: string, flags: RunFlags) => {
    const { onEvent, finish } = reporter(flags);
    // Not loaded for `run`: it brings the YAML code, which a run loads beside its git processes.
    const { buildSpec } = await import('../manager/build-spec.js');
    finish(
      await buildSpec({
        specFile,
        driver: flags.driver,
        outDir: flags.out,
        audit: Boolean(flags.audit),
        policyFile: flags.policy,
        onEvent,
        signal: abortOnSignals(),
      }),
    );
  });
}
