// The git-facing commands: hooks install/uninstall, the pre-push entry, log and show.
import type { Command } from 'commander';
import { ContractorError } from '../errors.js';
import { installHook, uninstallHook } from '../git/hook-install.js';
import { readNote, recentNotes } from '../git/notes.js';
import { checkPush, prePushMode } from '../git/pre-push.js';
import { parsePrePushInput } from '../git/pre-push-input.js';
import { repositoryRoot, resolveRevision } from '../git/repository.js';
import { logTail } from '../report/log-tail.js';
import { noteLines, shortDate } from '../report/note-summary.js';
import { createProgress } from '../report/progress.js';
import { dumbTerminal, styleFor } from '../report/style.js';
import { table } from '../report/summary.js';
import { terminalSafe } from '../report/terminal-text.js';
import { formatDuration } from '../spec/units.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const INSTALL_SAID = {
  installed: 'installed the pre-push hook',
  'already-installed': 'the pre-push hook is already installed; nothing changed',
  'installed-chained': 'installed the pre-push hook; the hook that was there still runs first',
} as const;

const UNINSTALL_SAID = {
  removed: 'removed the pre-push hook',
  'not-installed': 'no Contractor pre-push hook is installed; nothing changed',
  'restored-chained': 'removed the pre-push hook and put back the one it chained',
} as const;

function addHooks(program: Command): void {
  const hooks = program
    .command('hooks')
    .description('install or remove the pre-push gate in this repository');
  hooks
    .command('install')
    .description(
      'install the pre-push shim (honours core.hooksPath; chains an existing pre-push hook)',
    )
    .action(async () => {
      console.log(INSTALL_SAID[await installHook(await repositoryRoot(process.cwd()))]);
    });
  hooks
    .command('uninstall')
    .description('remove the pre-push shim, restoring a chained hook')
    .action(async () => {
      console.log(UNINSTALL_SAID[await uninstallHook(await repositoryRoot(process.cwd()))]);
    });
}

function addPrePush(program: Command): void {
  program
    .command('pre-push')
    .description(
      "git's pre-push hook entry: reads git's ref lines on stdin and builds each pushed tip",
    )
    .argument('[remote]', 'the remote name git passes')
    .argument('[url]', 'the remote URL git passes')
    .action(async (_remote: string | undefined, url: string | undefined) => {
      const input = await readStdin();
      const mode = await prePushMode(process.cwd());
      if (mode === 'off') return;
      const updates = parsePrePushInput(input);
      const style = styleFor(process.stderr);
      const progress = createProgress({
        out: process.stderr,
        style,
        showLog: Boolean(process.stderr.isTTY),
        plain: dumbTerminal(),
      });
      const verdicts = await checkPush(
        process.cwd(),
        updates,
        (_u, e) => progress(e),
        undefined,
        url,
      ).finally(() => progress.finish());
      let refused = false;
      for (const v of verdicts) {
        const r = v.result;
        const head = `contractor: ${v.update.localRef} ${v.update.localSha.slice(0, 12)} ${r.status} ${v.cached ? `(cached; built in ${formatDuration(r.durationMs)})` : `in ${formatDuration(r.durationMs)}`}`;
        if (r.status === 'passed') {
          process.stderr.write(style.green(head) + '\n');
          continue;
        }
        refused = true;
        const tail = (await logTail(r.log, 20, style.level > 0)).map((l) => `  | ${l}\n`).join('');
        process.stderr.write(
          style.red(`${head}: ${terminalSafe(r.summary)}`) + `\n${tail}  log: ${r.log}\n`,
        );
      }
      if (refused && mode === 'block') {
        process.stderr.write(
          'contractor: push refused (git config contractor.prePush warn, or git push --no-verify, to push anyway)\n',
        );
        process.exitCode = 1;
      }
    });
}

function addLogAndShow(program: Command): void {
  program
    .command('log')
    .description('list recent results recorded in refs/notes/contractor')
    .option('-n, --max-count <n>', 'how many', '10')
    .action(async (flags: { maxCount: string }) => {
      const root = await repositoryRoot(process.cwd());
      // Notes travel with fetches, and subjects with commits: either may come from anyone.
      const rows = (await recentNotes(root, Number(flags.maxCount) || 10)).map((n) => [
        n.commit.slice(0, 12),
        shortDate(n.note.at),
        terminalSafe(String(n.note.status) + (n.note.cached ? ' (cached)' : '')),
        terminalSafe(String(n.note.driver)),
        formatDuration(n.note.durationMs),
        terminalSafe((n.branches.length ? `(${n.branches.join(', ')}) ` : '') + n.subject),
      ]);
      if (!rows.length) console.log('no results recorded yet: run git contractor run');
      else console.log(table(rows).join('\n'));
    });
  program
    .command('show')
    .description('show the result recorded for a commit')
    .argument('[rev]', 'the revision', 'HEAD')
    .option('--json', 'print the note as JSON')
    .action(async (rev: string, flags: { json?: boolean }) => {
      const root = await repositoryRoot(process.cwd());
      const { commit } = await resolveRevision(root, rev);
      const note = await readNote(root, commit);
      if (!note)
        throw new ContractorError(
          'USAGE',
          `no result recorded for ${rev} (${commit.slice(0, 12)}); run git contractor run ${rev}`,
        );
      if (flags.json) console.log(JSON.stringify({ commit, ...note }, null, 2));
      else console.log(noteLines(commit, note, styleFor(process.stdout)).join('\n'));
    });
}

export function addGitCommands(program: Command): void {
  addHooks(program);
  addPrePush(program);
  addLogAndShow(program);
}
