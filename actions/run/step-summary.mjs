// Prints a result document as the same markdown the GitHub App posts on its check run.
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const { checkRunOutput } = await import(new URL('dist/src/report/check-run-markdown.js', root).href);
const result = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const where =
  process.env.GITHUB_SERVER_URL && process.env.GITHUB_REPOSITORY && process.env.GITHUB_RUN_ID
    ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`
    : '#';
process.stdout.write(checkRunOutput(result, where).summary);
