/**
 * Resource quantities as Kubernetes and JupyterHub write them. Inputs are already resolved
 * to bytes / cores (see config/resolve).
 */

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;

/** Bytes in the exact Kubernetes form: "2Gi", "512Mi" when a power-of-1024 unit fits, else "1500000000". */
export function memoryQuantity(bytes: number): string {
  let n = Math.round(bytes);
  let i = 0;
  while (n !== 0 && n % 1024 === 0 && i < BINARY_SUFFIXES.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n}${BINARY_SUFFIXES[i]}`;
}

/** Cores as Kubernetes writes them: "2", "500m" (millicore precision, as the API keeps). */
export function cpuQuantity(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** JupyterHub's MEM_LIMIT/MEM_GUARANTEE: `str(int bytes)`. */
export function memoryEnv(bytes: number): string {
  return String(Math.round(bytes));
}

/** JupyterHub's CPU_LIMIT/CPU_GUARANTEE: `str(float)`, so 2 → "2.0", 0.5 → "0.5". */
export function cpuEnv(cores: number): string {
  return Number.isInteger(cores) ? `${cores}.0` : String(cores);
}
