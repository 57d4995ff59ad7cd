/** What a valid config still does that the operator should know about; `validate` and `serve` print these. */
import { ANY } from "./option-pattern.ts";
import type { ResolvedConfig } from "./resolve.ts";

export function configWarnings(config: ResolvedConfig): string[] {
  const out: string[] = [];
  for (const profile of config.profiles) {
    for (const [name, option] of Object.entries(profile.options)) {
      if (option.unlisted?.validation === ANY) {
        out.push(
          `${profile.path}.options.${name}.unlisted.validation is "any": every user of profile ${JSON.stringify(profile.slug)} may type any text (up to 256 characters, no control characters) into its overrides; give a pattern if the value reaches an image, a command, a URL or a template`,
        );
      }
    }
  }
  return out;
}
