/**
 * The release's wheel installs into a fresh venv beside JupyterHub, and JupyterHub finds the
 * spawner by its entry-point name (`c.JupyterHub.spawner_class = "multicluster"`), from the
 * installed files, not from this repository. Versions come from hub/requirements.txt as pip
 * constraints, so only JupyterHub and what it needs are installed (from pip's cache once
 * test/setup/hub-venv.sh has run).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT } from "../../build/paths.ts";
import { ensureRelease, tempDir, type Release } from "./fixture.ts";
import { freshHubVenv, python } from "./venv.ts";

let rel: Release;
let dir = "";
let venv = "";

before(() => {
  rel = ensureRelease();
  dir = tempDir("mcks-wheel-");
  venv = freshHubVenv(join(dir, "venv"), [rel.files.wheel]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const LOAD_BY_NAME = `
import json, importlib.metadata as md
from jupyterhub.app import JupyterHub
app = JupyterHub()
app.spawner_class = "multicluster"
cls = app.spawner_class
import multicluster_kubespawner as pkg
from multicluster_kubespawner.form import render_form
form = render_form([{"slug": "s", "displayName": "Small", "description": "", "default": True, "options": []}])
print(json.dumps({
    "class": f"{cls.__module__}.{cls.__name__}",
    "file": pkg.__file__,
    "version": md.version("multicluster-kubespawner"),
    "module_version": pkg.__version__,
    "socket_trait": cls.class_traits()["socket_path"].__class__.__name__,
    "form_has_profile": 'value="s"' in form,
}))
`;

test("JupyterHub loads the spawner of the installed wheel by the name `multicluster`", () => {
  const out = JSON.parse(python(venv, ["-c", LOAD_BY_NAME], { cwd: dir })) as Record<string, unknown>;
  assert.equal(out.class, "multicluster_kubespawner.spawner.MultiClusterKubeSpawner");
  assert.ok(String(out.file).startsWith(join(venv, "lib")), `imported from ${String(out.file)}, not from the venv`);
  assert.ok(!String(out.file).startsWith(ROOT), "imported from the repository");
  assert.equal(out.version, rel.version);
  assert.equal(out.module_version, rel.version);
  assert.equal(out.socket_trait, "Unicode");
  assert.equal(out.form_has_profile, true, "the form template is missing from the wheel");
});

test("pip finds nothing broken in the venv", () => {
  const r = spawnSync(join(venv, "bin/python"), ["-m", "pip", "check", "--disable-pip-version-check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
