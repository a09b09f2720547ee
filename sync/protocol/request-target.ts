/**
 * The URL of an HTTP request-target in origin-form (`/path?query`), or undefined for any other form.
 * Resolving the target against a base would read `//health/health` as host `health` and path `/health`, and would
 * throw on `//`; prefixed to a fixed origin it stays the path it is.
 */
export function originFormUrl(target: string | undefined): URL | undefined {
  if (target?.startsWith('/') !== true) return undefined;
  try {
    return new URL(`http://request.invalid${target}`);
  } catch {
    return undefined;
  }
}
