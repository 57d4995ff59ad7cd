/** One line per message on stderr; `up` redirects it to the agent's log file. */
export type Log = (message: string) => void;

export function makeLog(cluster: number): Log {
  return (message) => process.stderr.write(`${new Date().toISOString()} agent[${cluster}] ${message}\n`);
}
