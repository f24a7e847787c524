// Where the host's tools are looked up. NoRoot: a user's PATH on Debian lacks /usr/sbin and /sbin,
// yet mkfs.ext4 and chroot live there and work for users, so those directories are searched too.

/** The system's tool directories, after whatever the caller's PATH names first. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function toolSearchPath(path: string = process.env.PATH ?? ''): string {
  const dirs = path.split(':').filter(Boolean);
  return [...dirs, ...SYSTEM_DIRS.filter((d) => !dirs.includes(d))].join(':');
}

/** The caller's environment with that PATH: node looks a command up in the env it is given. */
export function toolEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: toolSearchPath() };
}
