/**
 * The user's answers to a profile's options: each is a listed choice, or free text accepted
 * by the option's `unlisted` validation (config/option-pattern.ts: whole value, length cap,
 * no control characters, linear-time matching). Options not sent (or sent empty) take their default choice
 * (or the first).
 */
import { functionFailed, UserError } from "../errors.ts";
import { NO_MATCH, valueProblem } from "../config/option-pattern.ts";
import { settingsProblems } from "../config/validate.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import type { HubUser, OptionChoice, ProfileOption, SpawnSettings } from "../config/types.ts";

/** Settings from one level (defaults, the profile, one option choice), and where they came from. */
export interface SettingsLayer {
  /** "defaults", "profile gpu", "option gpu=a100". */
  readonly from: string;
  readonly settings: SpawnSettings;
}

export interface ChosenOptions {
  readonly values: Readonly<Record<string, string>>;
  /** One layer per option, in the profile's option order. */
  readonly layers: readonly SettingsLayer[];
}

/** The choices `user` may pick (each choice's `allowed(user)`), in config order. */
export function allowedChoices(option: ProfileOption, user: HubUser, where: string): Array<[string, OptionChoice]> {
  return Object.entries(option.choices).filter(([slug, c]) => {
    if (!c.allowed) return true;
    try {
      return c.allowed(user) === true;
    } catch (err) {
      throw functionFailed(`${where}.choices.${slug}: allowed() for user ${JSON.stringify(user.name)}`, err);
    }
  });
}

/** The choice used when the user sent none: the allowed one marked default, else the first allowed. */
export function defaultChoice(choices: ReadonlyArray<[string, OptionChoice]>): string | undefined {
  return (choices.find(([, c]) => c.default === true) ?? choices[0])?.[0];
}

function unlistedSettings(profile: ResolvedProfile, name: string, option: ProfileOption, value: string): SpawnSettings {
  const unlisted = option.unlisted;
  if (!unlisted) throw new Error("unreachable: no unlisted entry");
  const where = `${profile.path}.options.${name}.unlisted.overrides`;
  let settings: unknown;
  try {
    settings = unlisted.overrides(value);
  } catch (err) {
    throw functionFailed(`${where} for value ${JSON.stringify(value)}`, err);
  }
  const problems = settingsProblems(settings ?? {});
  if (typeof settings === "object" && settings !== null && "startTimeout" in settings) {
    problems.push("overrides.startTimeout: a free-text value cannot set the start's timeout (the daemon judges unfinished starts by the longest timeout the config gives); set startTimeout on the profile or on a listed choice");
  }
  if (problems.length) throw new UserError(`${where} returned invalid settings for value ${JSON.stringify(value)}`, problems);
  return (settings ?? {}) as SpawnSettings;
}

/** `user` undefined: every choice counts as allowed (a probe of what a config can create). */
export function chooseOptions(profile: ResolvedProfile, user: HubUser | undefined, sent: Readonly<Record<string, string>> = {}): ChosenOptions {
  const options = Object.entries(profile.options);
  const known = options.map(([name]) => name);
  const stray = Object.keys(sent).filter((k) => !known.includes(k));
  if (stray.length) {
    throw new UserError(
      `profile ${JSON.stringify(profile.slug)} has no option ${stray.map((s) => JSON.stringify(s)).join(", ")}; its options: ${known.length ? known.join(", ") : "none"}`,
    );
  }
  const values: Record<string, string> = {};
  const layers: SettingsLayer[] = [];
  for (const [name, option] of options) {
    const allowed = user ? allowedChoices(option, user, `${profile.path}.options.${name}`) : Object.entries(option.choices);
    // An empty form field means "no answer", not an empty free-text value.
    const value = sent[name] || defaultChoice(allowed);
    const choiceNames = allowed.map(([slug]) => slug);
    if (value === undefined) {
      if (Object.keys(option.choices).length > 0 && !option.unlisted) {
        throw new UserError(`option ${JSON.stringify(name)} of profile ${JSON.stringify(profile.slug)} has no choice user ${JSON.stringify(user?.name)} may pick; check its choices' allowed() filters`);
      }
      throw new UserError(`option ${JSON.stringify(name)} of profile ${JSON.stringify(profile.slug)} needs a value (${option.unlisted?.displayName ?? "free text"})`);
    }
    values[name] = value;
    const choice = Object.hasOwn(option.choices, value) ? option.choices[value] : undefined;
    if (choice && !choiceNames.includes(value)) {
      throw new UserError(`choice ${JSON.stringify(value)} of option ${JSON.stringify(option.displayName || name)} of profile ${JSON.stringify(profile.slug)} is not allowed for user ${JSON.stringify(user?.name)}; choices allowed: ${choiceNames.join(", ") || "none"}`);
    }
    if (choice) {
      layers.push({ from: `option ${name}=${value}`, settings: choice.overrides ?? {} });
      continue;
    }
    const unlisted = option.unlisted;
    const refused = unlisted ? valueProblem(unlisted.validation, value) : `expected one of: ${choiceNames.join(", ")}`;
    if (refused !== undefined) {
      // The operator's message explains their pattern; the length and character limits explain themselves.
      const why = unlisted?.validationMessage && refused === NO_MATCH ? unlisted.validationMessage : refused;
      const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      throw new UserError(`invalid value ${JSON.stringify(shown)} for option ${JSON.stringify(option.displayName || name)} of profile ${JSON.stringify(profile.slug)}: ${why}`);
    }
    layers.push({ from: `option ${name}=${JSON.stringify(value)}`, settings: unlistedSettings(profile, name, option, value) });
  }
  return { values, layers };
}
