// The /etc a build sees: what the toolchain needs from the host, read-only, and nothing that names it.

export const BUILD_UID = 1000;
export const BUILD_GID = 1000;
export const BUILD_HOSTNAME = 'contractor';

/**
 * Host files the dynamic linker, TLS and libc's lookups need; no resolv.conf, so no resolver inside.
 * /etc/ssl comes entry by entry, from hostSslEntries: its private keys stay out.
 */
export const HOST_ETC = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ca-certificates',
  'ca-certificates.conf',
  'nsswitch.conf',
  'localtime',
  'mime.types',
];

/** Files written by the holder, so the host's users, groups and hostnames stay out of the sandbox. */
export function syntheticEtc(): Record<string, string> {
  return {
    passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nbuilder:x:${BUILD_UID}:${BUILD_GID}:builder:/tmp/home:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nbuilder:x:${BUILD_GID}:\nnogroup:x:65534:\n`,
    hosts: `127.0.0.1 localhost ${BUILD_HOSTNAME}\n::1 localhost ip6-localhost ip6-loopback\n`,
    hostname: `${BUILD_HOSTNAME}\n`,
  };
}
