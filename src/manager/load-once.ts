// Code a job will most likely need, loaded at most once, as early as the caller likes.
/**
 * A loader that starts `load` on its first call and returns the same promise after. A failure
 * before anyone awaits it is not an unhandled rejection: it is reported where it is awaited.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load();
      loading.catch(() => undefined);
    }
    return loading;
  };
}
