/**
 * The attack: an operator's function throws with the user's auth state in its message (a
 * token), as a careless `throw new Error(\`no access for ${ctx.user.authState}\`)` would. The
 * hub user must read only which function failed and where; the daemon's log gets the message.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { ConfidentialError, publicMessageOf } from "../../src/errors.ts";
import { describeProfiles } from "../../src/profile/describe.ts";
import { renderPlan } from "../../src/spawn/plan.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

const TOKEN = "gho_SECRET0123456789";
const user = { name: "alice", authState: { access_token: TOKEN } };
const leak = "throw new Error(`upstream refused ${JSON.stringify(ctx.user.authState)}`)";

/** Profile "p" with `fields`, whose function throws with the auth state. */
async function configWith(fields: string) {
  const source = `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
  profiles: [{ slug: "p", displayName: "P", cluster: "a", ${fields} }],
});
`;
  return (await loadConfig(writeConfig(source))).config;
}

const CASES: ReadonlyArray<readonly [what: string, fields: string, where: RegExp]> = [
  ["a profile's allowed()", `allowed: (u) => { const ctx = { user: u }; ${leak}; }`, /^profiles\[0\] \(p\): allowed\(\) for user "alice" failed/],
  [
    "a choice's allowed()",
    `options: { size: { displayName: "Size", choices: { s: { displayName: "S", allowed: (u) => { const ctx = { user: u }; ${leak}; } } } } }`,
    /^profiles\[0\]\.options\.size\.choices\.s: allowed\(\) for user "alice" failed/,
  ],
  [
    "an unlisted choice's overrides()",
    `options: { image: { displayName: "Image", choices: { a: { displayName: "A" } }, unlisted: { displayName: "Other", validation: "^x$", overrides: () => { throw new Error("${TOKEN}"); } } } }`,
    /^profiles\[0\]\.options\.image\.unlisted\.overrides for value "x" failed/,
  ],
  ["a native setting's function", `workingDir: (ctx) => { ${leak}; }`, /^profile p: the function of workingDir failed/],
  ["an environment function", `environment: { API: (ctx) => { ${leak}; } }`, /^environment\.API: the function failed/],
  ["a resource function", `resources: { cm: (ctx) => { ${leak}; } }`, /^resource "cm" \(.*config\.ts:\d+\): the function failed/],
];

for (const [what, fields, where] of CASES) {
  test(`${what} that throws the user's token: the user reads where it failed, the log the message`, async () => {
    const config = await configWith(fields);
    const options: Record<string, string> = what.includes("unlisted") ? { image: "x" } : {};
    let caught: unknown;
    try {
      describeProfiles(config, user);
      renderPlan(config, { user, server: "", profile: "p", options });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof Error, "the function's failure fails the start");
    const pub = publicMessageOf(caught);
    assert.ok(pub !== undefined, `no public message: ${caught.message}`);
    assert.match(pub, where);
    assert.match(pub, /ask an administrator to look up the reference in the daemon's log/);
    assert.doesNotMatch(pub, new RegExp(TOKEN));
    assert.match(caught.message, new RegExp(TOKEN), "the daemon's log has the function's message");
    let e: unknown = caught;
    while (e instanceof Error && !(e instanceof ConfidentialError)) e = e.cause;
    assert.ok(e instanceof ConfidentialError);
  });
}
