// The editing rules of language-configuration.json, tested as VS Code applies them (its
// indentation patterns are JavaScript regular expressions matched against one line).

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const config = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "language-configuration.json"), "utf8"));
const increase = new RegExp(config.indentationRules.increaseIndentPattern);
const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);

test("a line that opens a block indents the next one, in every block style", () => {
  for (const line of [
    "plugin cache_warden {",
    "    fn find_stale(hours, limit = 100) {",
    "} else {",
    "function archive(session, force=false):",
    "        if not session.closed and not force:",
    "if t < 300:  # five minutes",
    "when load > 90%:",
    "every 30 minutes:",
    "steps:",
    "  - scan:",
    "  notes: |",
    "define warm_cache(target)",
    "if memory.pattern(\"eviction storm\", frequency=\"hourly\")",
    "else",
    "for i in 1..3",
    "while pending",
    "simulate agent for 12h",
    "try",
    "let scored = agents.map(a => {",
    "settings = [",
    "notify(",
  ]) {
    assert.ok(increase.test(line), `should indent after: ${line}`);
  }
});

test("a complete line does not indent the next one", () => {
  for (const line of [
    "x = 1",
    "  - scan: find_gaps()",
    "define buffer as []",
    "if entry.pinned { continue }",
    "for x in [1, 2] { print(x) }",
    "# a comment ending in a colon:",
    "  - when: Timeout  # a trailing comment that ends in a colon:",
    "print(\"a string that ends in {\")",
    "// also this one {",
    "url: \"https://example.invalid/x\"",
    "goal: \"ship v2\" priority: high",
    "    return hits.slice(0, limit)",
    "end",
  ]) {
    assert.ok(!increase.test(line), `should not indent after: ${line}`);
  }
});

test("closing lines dedent: end, closing brackets and the continuation words", () => {
  for (const line of ["end", "    end  # of the if", "}", "    })", "]", "else", "else:", "} else {", "} catch (err) {", "elif x > 1:", "except Exception as e:", "finally:"]) {
    assert.ok(decrease.test(line), `should dedent: ${line}`);
  }
  for (const line of ["endpoint = 1", "end_time = now()", "elsewhere()", "catch_all = true", "x = {}"]) {
    assert.ok(!decrease.test(line), `should not dedent: ${line}`);
  }
});

test("comments, brackets and pairs match the lexer", () => {
  assert.equal(config.comments.lineComment, "#");
  assert.deepEqual(config.comments.blockComment, ["/*", "*/"]);
  assert.deepEqual(config.brackets, [["{", "}"], ["[", "]"], ["(", ")"]]);
  assert.equal(config.folding.offSide, true);
  const word = new RegExp(`^(?:${config.wordPattern})$`);
  for (const w of ["$log", "7_days_ago", "85%", "0.75", "on_run"]) {
    assert.ok(word.test(w), `one word: ${w}`);
  }
});

test("the indentation patterns stay fast on long lines", () => {
  const lines = [" ".repeat(4000) + "x", "x " + "a ".repeat(4000) + "\"", "if " + " ".repeat(4000) + "x y", "\"" + "\\\"".repeat(2000)];
  const start = Date.now();
  for (const line of lines) {
    increase.test(line);
    decrease.test(line);
  }
  assert.ok(Date.now() - start < 500, `took ${Date.now() - start} ms`);
});
