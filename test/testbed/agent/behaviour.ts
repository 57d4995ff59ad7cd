/**
 * Failure injection: what the fake kubelet does with a container is decided by its image name.
 * (The README in this folder lists the names.) Whether a pod can be placed is the real
 * scheduler's business: a pod no node fits (e.g. a nodeSelector nothing matches) stays Pending.
 */
export type Behaviour =
  | { readonly kind: "run"; readonly startDelayMs: number }
  | { readonly kind: "fail-pull" }
  | { readonly kind: "crashloop" };

export function behaviourOf(image: string): Behaviour {
  const name = image.toLowerCase();
  if (name.includes("fail-pull")) return { kind: "fail-pull" };
  if (name.includes("crashloop")) return { kind: "crashloop" };
  const slow = /slow-start-(\d+)/.exec(name);
  return { kind: "run", startDelayMs: slow ? Number(slow[1]) : 0 };
}
