/**
 * Upstream's templates were Jinja; eta would print `{% %}` as text and read `| lower` as a
 * bitwise or. Both are refused with the template line, at render time and by `mcks validate`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { UserError } from "../../src/errors.ts";
import { checkTemplate, renderTemplate, TemplateError } from "../../src/render/template.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";
import { makeSpawn } from "./render-fixture.ts";

const ctx = makeSpawn({}).ctx;

const REFUSED: ReadonlyArray<readonly [string, number, RegExp]> = [
  ["kind: Pod\nmetadata:\n  name: {{key}}\n{% if user.admin %}\n  labels: {a: b}\n{% endif %}\n", 4, /Jinja statement "\{% if user\.admin %\}".*\{\{# if \(cond\) \{ \}\}/],
  ["a: 1\nb: {%- for g in user.groups -%}{{ g }}{% endfor %}\n", 2, /Jinja statement "\{%- for g in user\.groups -%\}"/],
  ["a: 1\n{# a note #}\nb: 2\n", 2, /Jinja comment "\{# a note #\}"/],
  // Any statement name and whitespace-control marker, not only the common ones.
  ["a: 1\n{%+ if x %}b: 2{%+ endif %}\n", 2, /Jinja statement "\{%\+ if x %\}"/],
  ["{% autoescape true %}\na: 1\n{% endautoescape %}\n", 1, /Jinja statement "\{% autoescape true %\}"/],
  ["a: 1\nb: 2\n{% do items.append(1) %}\n", 3, /Jinja statement "\{% do items\.append\(1\) %\}"/],
  ["a: {% break -%}\n", 1, /Jinja statement "\{% break -%\}"/],
  ["a: {%- continue +%}\n", 1, /Jinja statement "\{%- continue \+%\}"/],
  ["a: {% trans %}Hello{% endtrans %}\n", 1, /Jinja statement "\{% trans %\}"/],
  ["a: 1\nname: {{ username | lower }}\n", 2, /Jinja filter "\| lower".*write \{\{ username\.toLowerCase\(\) \}\}/],
  ["img: {{ options.image | default('pangeo/base:1') }}\n", 1, /write \{\{ options\.image \?\? 'pangeo\/base:1' \}\}/],
  ["v: {{ spawn.environment | tojson }}\n", 1, /write \{\{ JSON\.stringify\(spawn\.environment\) \}\}/],
  ["a:\n  b:\n    c: {{~ key | upper }}\n", 3, /write \{\{ key\.toUpperCase\(\) \}\}/],
];

test("Jinja statements, comments and filters are refused with the template line and the eta form", () => {
  for (const [template, line, message] of REFUSED) {
    const e = checkTemplate(template);
    assert.ok(e instanceof TemplateError, `not refused: ${JSON.stringify(template)}`);
    assert.equal(e.line, line, template);
    assert.match(e.message, message);
    assert.throws(() => renderTemplate(template, ctx), (err: unknown) => err instanceof TemplateError && err.line === line);
  }
});

test("eta's own syntax and JavaScript's || and strings holding | or {% are not mistaken for Jinja", () => {
  const ok = [
    "a: {{ user.groups.length > 0 || user.admin }}\n",
    'a: {{ "x|y" }}\nb: {{ \'{% not a tag %}\'.length }}\n',
    "{{# if (user.admin) { }}\na: 1\n{{# } }}\n",
    "a: {{# /* comment */ }}1\n",
    "a: {{ '{% do x %}' + \"{# y #}\" }}\n",
    "script: \"echo 100%\"\n",
  ];
  for (const template of ok) assert.equal(checkTemplate(template), undefined, template);
  assert.deepEqual(renderTemplate('a: {{ "x|y" }}\n', ctx), [{ a: "x|y" }]);
});

test("mcks validate reports a Jinja template at its config path and file line", async () => {
  const path = writeConfig(
    [
      `import { defineConfig } from "multicluster-kubespawner";`,
      `export default defineConfig({`,
      `  clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },`,
      `  defaults: { resources: { "10-cm": "kind: ConfigMap\\napiVersion: v1\\nmetadata: {name: '{{ key | lower }}'}\\n" } },`,
      `  profiles: [{`,
      `    slug: "p", displayName: "P", cluster: "a",`,
      `    options: { size: { displayName: "Size", choices: { big: { displayName: "Big", overrides: { patches: {`,
      `      "01-x": "kind: Pod\\nmetadata:\\n  name: {{key}}\\n{% if options.size %}\\n{% endif %}\\n" } } } } } },`,
      `  }],`,
      `});`,
      ``,
    ].join("\n"),
  );
  await assert.rejects(loadConfig(path), (err: unknown) => {
    assert.ok(err instanceof UserError);
    const lines = err.details.join("\n");
    assert.match(lines, /config\.ts:4: defaults\.resources\["10-cm"\]: template line 3: Jinja filter "\| lower"/);
    assert.match(lines, /config\.ts:8: profiles\[0\]\.options\.size\.choices\.big\.overrides\.patches\["01-x"\]: template line 4: Jinja statement/);
    return true;
  });
});
