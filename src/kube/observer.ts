/**
 * What kube/ tells the daemon's metrics about its traffic. kube/ knows nothing of Prometheus:
 * `mcks serve --metrics-listen` passes an observer that records these, everyone else none.
 */

/** Why a watch was opened again. */
export type WatchRestartReason =
  /** The server ended the stream (its `timeoutSeconds`, a closed connection without an error). */
  | "expired"
  /** The stream or the listing before it failed; retried after a back-off. */
  | "error"
  /** The resourceVersion was too old (410 Gone): listed again from scratch. */
  | "gone";

export interface KubeObserver {
  /**
   * One API request ended. `verb` is the HTTP method, `WATCH` for a watch stream (as client-go's
   * `rest_client_*` metrics name it); `code` the HTTP status, or `<error>` when no answer came.
   * `seconds`: until the whole answer was read; for a watch, until its response headers.
   */
  request(cluster: string, verb: string, code: string, seconds: number): void;
  watchRestart(cluster: string, resource: string, reason: WatchRestartReason): void;
}

export const NO_OBSERVER: KubeObserver = { request() {}, watchRestart() {} };
