/** The socket layer of `mcks serve`, as the rest of mcks uses it. */
export { listen, listenMethods } from "./server.ts";
export type { CloseOptions, ListenMethodsOptions, ListenOptions, RpcServer } from "./server.ts";
export { connect, RpcCallError } from "./client.ts";
export type { CallOptions, ClientOptions, RpcClient } from "./client.ts";
export { ErrorCode, RpcError } from "./errors.ts";
export type { MethodHandler, MethodTable, RequestContext } from "./dispatch.ts";
export { MAX_MESSAGE_BYTES } from "./framing.ts";
export { silentLog, stderrLog } from "./log.ts";
export type { RpcLog } from "./log.ts";
export { bindHandlers, METHOD_NAMES, PROGRESS, ParamsSchemas, sendProgress } from "./protocol.ts";
export type {
  EmptyResult,
  Handlers,
  HealthResult,
  MethodName,
  OptionSummary,
  ParamsIn,
  ParamsOf,
  PollResult,
  ProfileSummary,
  ProgressEvent,
  ProgressParams,
  Results,
  ServerState,
  StartResult,
} from "./protocol.ts";
