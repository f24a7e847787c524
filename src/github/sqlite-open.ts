// better-sqlite3 is a native module, built for one Node.js ABI: a build for each other version the
// App runs under is kept in dist/native/node-v<ABI>/, and a mismatch says which version to rebuild for.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ContractorError } from '../errors.js';
import { installPath } from '../install-root.js';

/** NODE_MODULE_VERSION of each Node.js release line since 18, to name the version, not only the ABI. */
const NODE_OF_ABI: Record<string, string> = {
  '108': '18',
  '115': '20',
  '120': '21',
  '127': '22',
  '131': '23',
  '137': '24',
  '141': '25',
};

export class NativeModuleMismatchError extends ContractorError {
  constructor(builtFor: string, cause: unknown) {
    const node = NODE_OF_ABI[builtFor];
    const major = process.versions.node.split('.')[0];
    super(
      'INFRASTRUCTURE',
      `better-sqlite3 was built for ${node ? `Node.js ${node}` : 'another Node.js'} (NODE_MODULE_VERSION ${builtFor}), and this is Node.js ${process.versions.node} (NODE_MODULE_VERSION ${process.versions.modules}): ` +
        `rebuild it for Node.js ${major}: npm rebuild better-sqlite3 --build-from-source, run by that node`,
      { cause },
    );
    this.name = 'NativeModuleMismatchError';
  }
}

/** The build kept for this process's Node.js ABI, if there is one. */
export function perVersionBinding(): string | undefined {
  const file = installPath(
    'dist',
    'native',
    `node-v${process.versions.modules}`,
    'better_sqlite3.node',
  );
  return existsSync(file) ? file : undefined;
}

/** Node's words when a module was built for another ABI: "...using NODE_MODULE_VERSION 115. This version...". */
export function nativeMismatch(err: unknown): NativeModuleMismatchError | undefined {
  const m = /using\s+NODE_MODULE_VERSION (\d+)/.exec(err instanceof Error ? err.message : '');
  return m?.[1] ? new NativeModuleMismatchError(m[1], err) : undefined;
}

export function openSqlite(file: string, binding = perVersionBinding()): Database.Database {
  try {
    return new Database(file, binding ? { nativeBinding: binding } : {});
  } catch (err) {
    throw nativeMismatch(err) ?? err;
  }
}
