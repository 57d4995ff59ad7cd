/**
 * The `profiles.list` RPC result: what the hub's spawn page shows, as plain JSON (no
 * functions). The shapes are the socket contract's (rpc/protocol.ts); this stage fills them.
 */
import { ANY } from "../config/option-pattern.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { HubUser, ProfileOption } from "../config/types.ts";
import type { OptionSummary, ProfileSummary } from "../rpc/protocol.ts";
import { defaultChoice } from "./choose-options.ts";
import { defaultProfile, profilesFor } from "./pick-profile.ts";

function describeOption(option: ProfileOption): OptionSummary {
  const preselected = defaultChoice(option);
  const choices = Object.fromEntries(Object.entries(option.choices).map(([slug, c]) => [slug, { displayName: c.displayName, default: slug === preselected }]));
  const u = option.unlisted;
  if (!u) return { displayName: option.displayName, choices };
  const unlisted = {
    displayName: u.displayName,
    ...(u.validation === ANY ? {} : { validation: typeof u.validation === "string" ? u.validation : u.validation.source }),
    ...(u.validationMessage === undefined ? {} : { validationMessage: u.validationMessage }),
  };
  return { displayName: option.displayName, choices, unlisted };
}

/** The profiles `user` may use, with the one resolveSpawn would pick by default marked. */
export function describeProfiles(config: ResolvedConfig, user: HubUser): ProfileSummary[] {
  const allowed = profilesFor(config, user);
  const preselected = defaultProfile(allowed);
  return allowed.map((p) => ({
    slug: p.slug,
    displayName: p.displayName,
    description: p.description,
    default: p === preselected,
    options: Object.fromEntries(Object.entries(p.options).map(([name, o]) => [name, describeOption(o)])),
  }));
}
