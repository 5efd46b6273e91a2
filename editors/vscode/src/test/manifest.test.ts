// package.json against the files and code it names: what VS Code reads before any of the
// extension's code runs.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

test("the language, its configuration and its grammar are wired to files that exist", () => {
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, "aether");
  assert.deepEqual(language.extensions, [".aether"]);
  assert.ok(fs.existsSync(path.join(root, language.configuration)));
  const [grammar] = manifest.contributes.grammars;
  assert.equal(grammar.language, "aether");
  const tm = JSON.parse(fs.readFileSync(path.join(root, grammar.path), "utf8"));
  assert.equal(tm.scopeName, grammar.scopeName);
  assert.ok(new RegExp(language.firstLine).test("#!/usr/bin/env aether"));
  assert.ok(!new RegExp(language.firstLine).test("#!/bin/bash"));
});

test("main is the compiled extension, activated by aether files", () => {
  assert.ok(fs.existsSync(path.join(root, manifest.main)), `${manifest.main} (run npm run compile)`);
  assert.deepEqual(manifest.activationEvents, ["onLanguage:aether"]);
  assert.match(manifest.engines.vscode, /^\^1\.\d+\.\d+$/);
});

test("the settings and the command the code reads are declared", () => {
  const props = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), ["aether.args", "aether.path", "aether.trace.server"]);
  assert.deepEqual(props["aether.trace.server"].enum, ["off", "messages", "verbose"]);
  const code = fs.readFileSync(path.join(root, "src", "extension.ts"), "utf8");
  for (const c of manifest.contributes.commands) {
    assert.ok(code.includes(`"${c.command}"`), `${c.command} is registered`);
  }
  // A workspace that is not trusted must not choose the program the extension starts.
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ["aether.path", "aether.args"]);
});
