/**
 * The `profiles.list` RPC result: what the hub's spawn page shows, as plain JSON (no
 * functions). The shapes are the socket contract's (rpc/protocol.ts); this stage fills them.
 */
import { ANY } from "../config/option-pattern.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { HubUser, ProfileOption } from "../config/types.ts";
import type { OptionSummary, ProfileSummary } from "../rpc/protocol.ts";
import { allowedChoices, defaultChoice } from "./choose-options.ts";
import { defaultProfile, profilesFor } from "./pick-profile.ts";

function describeOption(option: ProfileOption, user: HubUser, where: string): OptionSummary | undefined {
  const allowed = allowedChoices(option, user, where);
  // An option of which this user may pick nothing is not shown (starting would be refused with why).
  if (allowed.length === 0 && Object.keys(option.choices).length > 0 && !option.unlisted) return undefined;
  const preselected = defaultChoice(allowed);
  const choices = Object.fromEntries(allowed.map(([slug, c]) => [slug, { displayName: c.displayName, default: slug === preselected }]));
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
    options: Object.fromEntries(
      Object.entries(p.options).flatMap(([name, o]) => {
        const d = describeOption(o, user, `${p.path}.options.${name}`);
        return d ? [[name, d]] : [];
      }),
    ),
  }));
}
