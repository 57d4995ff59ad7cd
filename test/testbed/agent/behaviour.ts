/**
 * Failure injection: what the fake kubelet does with a container is decided by its image name.
 * (The README in this folder lists the names.)
 */
export type Behaviour =
  | { readonly kind: "run"; readonly startDelayMs: number }
  | { readonly kind: "fail-pull" }
  | { readonly kind: "unschedulable" }
  | { readonly kind: "crashloop" };

export function behaviourOf(image: string): Behaviour {
  const name = image.toLowerCase();
  if (name.includes("unschedulable")) return { kind: "unschedulable" };
  if (name.includes("fail-pull")) return { kind: "fail-pull" };
  if (name.includes("crashloop")) return { kind: "crashloop" };
  const slow = /slow-start-(\d+)/.exec(name);
  return { kind: "run", startDelayMs: slow ? Number(slow[1]) : 0 };
}
