// Who runs a containers image's engine and where its files live: shared by the image build and the guest.

/** The build's uid in the guest (the image's `worker`). */
export const BUILD_UID = 1000;
/** The engine's user: the build (uid 1000) can neither reach its socket nor signal it. */
export const ENGINE_UID = 2000;
/** In the guest, a directory of the scratch disk (counted against the disk limit), never /workspace. */
export const ENGINE_HOME = '/var/lib/contractor-engine';
/** The filter's socket, the one the build reaches: DOCKER_HOST. */
export const FILTER_SOCKET = `${ENGINE_HOME}/sock/docker.sock`;
/** The engine's own socket, in a 0700 directory of the engine's user. */
export const ENGINE_SOCKET = `${ENGINE_HOME}/run/engine.sock`;
