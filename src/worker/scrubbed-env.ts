// The only environment a build sees: the spec's env plus a minimal PATH, HOME, LANG, the proxy, and
// the switches that keep well-known tools from calling home.

export const WORKER_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

/**
 * Tools that call home on their own (an update notifier, a version check, telemetry) would make a
 * violation of a build that did nothing wrong: these switches turn that off unless the spec says
 * otherwise. Listed in the README.
 */
export const QUIET_TOOLS: Record<string, string> = {
  npm_config_update_notifier: 'false',
  NO_UPDATE_NOTIFIER: '1',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  YARN_ENABLE_TELEMETRY: '0',
  NEXT_TELEMETRY_DISABLED: '1',
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  CHECKPOINT_DISABLE: '1',
  DO_NOT_TRACK: '1',
};

/** proxyUrl is how the build reaches its egress proxy from inside the worker, e.g. http://127.0.0.1:3128. */
export function scrubbedEnv(
  specEnv: Record<string, string>,
  proxyUrl: string,
  home = '/tmp',
): Record<string, string> {
  const proxy = {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
  };
  // The spec cannot redirect its own traffic around the proxy: ours are set last.
  return {
    ...QUIET_TOOLS,
    ...specEnv,
    PATH: specEnv.PATH ?? WORKER_PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    ...proxy,
  };
}

/** `K=V` pairs for env(1) or an OCI process; names that are not shell-safe are dropped. */
export function envPairs(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `${k}=${v}`);
}
