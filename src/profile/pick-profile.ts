/** Which profiles a user may use, and which one a spawn request means. */
import { functionFailed, UserError } from "../errors.ts";
import type { ResolvedConfig, ResolvedProfile } from "../config/resolve.ts";
import type { HubUser } from "../config/types.ts";

/** The profiles `user` may use, in config order (each profile's `allowed(user)` filter). */
export function profilesFor(config: ResolvedConfig, user: HubUser): ResolvedProfile[] {
  return config.profiles.filter((p) => {
    try {
      return p.allowed(user) === true;
    } catch (err) {
      throw functionFailed(`${p.path} (${p.slug}): allowed() for user ${JSON.stringify(user.name)}`, err);
    }
  });
}

/** The profile used when the request names none: the default one, else the first. */
export function defaultProfile(profiles: readonly ResolvedProfile[]): ResolvedProfile | undefined {
  return profiles.find((p) => p.default) ?? profiles[0];
}

/** The requested profile (or the default) among those the user may use; UserError otherwise. */
export function pickProfile(config: ResolvedConfig, user: HubUser, slug: string | undefined): ResolvedProfile {
  const allowed = profilesFor(config, user);
  const who = `user ${JSON.stringify(user.name)}`;
  if (allowed.length === 0) throw new UserError(`no profile is allowed for ${who}; check the profiles' allowed() filters`);
  const names = allowed.map((p) => p.slug).join(", ");
  if (slug === undefined || slug === "") return defaultProfile(allowed) as ResolvedProfile;
  const found = allowed.find((p) => p.slug === slug);
  if (found) return found;
  const exists = config.profiles.some((p) => p.slug === slug);
  throw new UserError(`${exists ? "profile" : "unknown profile"} ${JSON.stringify(slug)}${exists ? ` is not allowed for ${who}` : ""}; profiles allowed for ${who}: ${names}`);
}
