/** The `profiles.list` RPC result: what the hub's spawn page shows, as plain JSON (no functions). */
import type { HubUser, ProfileOption, ResolvedConfig } from "../config/types.ts";
import { defaultChoice } from "./choose-options.ts";
import { defaultProfile, profilesFor } from "./pick-profile.ts";

export interface OptionSummary {
  readonly displayName: string;
  readonly choices: Readonly<Record<string, { readonly displayName: string; readonly default: boolean }>>;
  readonly unlisted?: {
    readonly displayName: string;
    /** A regular expression the whole value must match (source text, no flags). */
    readonly validation?: string;
    readonly validationMessage?: string;
  };
}

export interface ProfileSummary {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  /** The profile used when the hub sends none (exactly one per list). */
  readonly default: boolean;
  readonly options: Readonly<Record<string, OptionSummary>>;
}

function describeOption(option: ProfileOption): OptionSummary {
  const preselected = defaultChoice(option);
  const choices = Object.fromEntries(Object.entries(option.choices).map(([slug, c]) => [slug, { displayName: c.displayName, default: slug === preselected }]));
  const u = option.unlisted;
  if (!u) return { displayName: option.displayName, choices };
  const unlisted = {
    displayName: u.displayName,
    ...(u.validation === undefined ? {} : { validation: typeof u.validation === "string" ? u.validation : u.validation.source }),
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
