/** Python's `urllib.parse.quote(s, safe="@~")`, which JupyterHub uses for names in URLs. */
function quotePath(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9_.\-~@]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

/**
 * The hub's URL prefix for a server, built as JupyterHub builds it. At spawn time the hub's
 * own `JUPYTERHUB_SERVICE_PREFIX` wins; this is for dry-run and as a fallback.
 */
export function serverPrefix(user: string, server: string, baseUrl = "/"): string {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const u = quotePath(user);
  return server === "" ? `${base}user/${u}/` : `${base}user/${u}/${quotePath(server)}/`;
}
