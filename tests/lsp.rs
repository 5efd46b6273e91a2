//! `aether lsp` driven over stdio by a small JSON-RPC client, as an editor would: framed
//! messages (`Content-Length`), requests matched to responses by id, notifications queued.
//! Every read has a timeout, so a server that hangs fails the test instead of blocking it.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    queue: VecDeque<Value>,
    next_id: i64,
    stderr: Arc<Mutex<String>>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn uri_of(path: &Path) -> String {
    let abs = root().join(path);
    format!("file://{}", abs.display()).replace(' ', "%20")
}

/// Read one framed message; `None` at the end of the stream.
fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start() -> Client {
        Client::start_with(&[], json!({})).0
    }

    /// A server with these environment variables, initialized with these client
    /// capabilities; the `initialize` result too.
    fn start_with(env: &[(&str, &str)], capabilities: Value) -> (Client, Value) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aether"));
        cmd.arg("lsp")
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start aether lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            sink.lock().unwrap().push_str(&s);
        });
        let mut c = Client {
            child,
            stdin,
            incoming,
            queue: VecDeque::new(),
            next_id: 0,
            stderr,
        };
        let init = c.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities }),
        );
        assert_eq!(
            init["result"]["capabilities"]["textDocumentSync"]["change"], 1,
            "full text sync: {init}"
        );
        c.notify("initialized", json!({}));
        (c, init["result"].clone())
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        match self.incoming.recv_timeout(TIMEOUT) {
            Ok(v) => v,
            Err(e) => panic!(
                "no message from the server within {TIMEOUT:?} ({e}); stderr:\n{}",
                self.stderr.lock().unwrap()
            ),
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and wait for its response; notifications that arrive meanwhile are
    /// queued.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let msg = self.recv();
            if msg.get("method").is_none() && msg["id"] == id {
                return msg;
            }
            self.queue.push_back(msg);
        }
    }

    /// The next notification of `method` (queued or still to come).
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.queue.iter().position(|m| m["method"] == method) {
            return self.queue.remove(i).unwrap();
        }
        loop {
            let msg = self.recv();
            if msg["method"] == method {
                return msg;
            }
            self.queue.push_back(msg);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri, "languageId": "aether", "version": 1, "text": text
            }}),
        );
        self.diagnostics(uri)
    }

    fn open_file(&mut self, path: &str) -> (String, String, Value) {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        let uri = uri_of(Path::new(path));
        let published = self.open(&uri, &text);
        (uri, text, published)
    }

    /// The next `publishDiagnostics` for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let n = self.notification("textDocument/publishDiagnostics");
            if n["params"]["uri"] == uri {
                return n["params"].clone();
            }
        }
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({
                "textDocument": { "uri": uri },
                "position": { "line": line, "character": character },
            }),
        )["result"]
            .clone()
    }

    /// `shutdown`, then `exit`: the process must exit with status 0.
    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = wait(&mut self.child);
        assert_eq!(status, Some(0), "stderr:\n{}", self.stderr.lock().unwrap());
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The exit code, waiting at most `TIMEOUT`.
fn wait(child: &mut Child) -> Option<i32> {
    let start = std::time::Instant::now();
    while start.elapsed() < TIMEOUT {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the server did not exit within {TIMEOUT:?}");
}

/// (rule id, 1-based line) of every diagnostic `aether check --format json` reports.
fn cli_diagnostics(path: &str) -> Vec<(String, u64)> {
    let out = Command::new(env!("CARGO_BIN_EXE_aether"))
        .args(["check", "--format", "json", path])
        .current_dir(root())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn lsp_diagnostics(published: &Value) -> Vec<(String, u64)> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
            )
        })
        .collect()
}

fn find<'v>(published: &'v Value, code: &str) -> &'v Value {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {published}"))
}

#[test]
fn diagnostics_are_the_ones_of_aether_check() {
    let mut c = Client::start();
    for path in [
        "corpus/validation/warnings_only.aether",
        "corpus/validation/unknown_function_did_you_mean.aether",
        "corpus/validation/unknown_function_several_in_one_file.aether",
        "corpus/invalid/unclosed_brace_at_eof.aether",
        "corpus/migrate/l005_data_unsafe.aether",
        // Its aether.toml ignores V001 under legacy/: the server finds it as the CLI does.
        "corpus/config/ignores/legacy/old_runtime.aether",
    ] {
        let expected = cli_diagnostics(path);
        assert!(!expected.is_empty(), "{path} has diagnostics");
        let (_, _, published) = c.open_file(path);
        assert_eq!(published["version"], 1);
        assert_eq!(lsp_diagnostics(&published), expected, "{path}");
        for d in published["diagnostics"].as_array().unwrap() {
            assert_eq!(d["source"], "aether");
            let sev = d["severity"].as_u64().unwrap();
            assert!(sev == 1 || sev == 2, "{d}");
        }
    }
    c.shutdown();
}

#[test]
fn diagnostics_carry_links_severity_related_places_and_tags() {
    let mut c = Client::start();
    let (uri, _, published) = c.open_file("corpus/validation/warnings_only.aether");
    let l001 = find(&published, "L001");
    assert_eq!(l001["severity"], 2);
    assert_eq!(l001["tags"], json!([2]), "deprecated");
    let href = l001["codeDescription"]["href"].as_str().unwrap();
    assert!(
        href.ends_with("docs/diagnostics.md#l001-legacy-intent"),
        "{href}"
    );
    let w002 = find(&published, "W002");
    assert_eq!(w002["tags"], json!([1]), "unnecessary");
    let w003 = find(&published, "W003");
    let related = &w003["relatedInformation"][0];
    assert_eq!(related["message"], "first used here");
    assert_eq!(related["location"]["uri"], uri.as_str());
    // `let r = { name: name, level: "warn", level: "page" }`: the first `level`.
    assert_eq!(
        related["location"]["range"],
        json!({ "start": { "line": 7, "character": 26 }, "end": { "line": 7, "character": 31 } })
    );

    let (_, _, published) = c.open_file("corpus/invalid/unclosed_brace_at_eof.aether");
    let p002 = find(&published, "P002");
    assert_eq!(p002["severity"], 1);
    let opened = &p002["relatedInformation"][0];
    assert_eq!(opened["message"], "opened here");
    assert_eq!(opened["location"]["range"]["start"]["line"], 2);
    c.shutdown();
}

#[test]
fn columns_count_utf16_code_units() {
    let (mut c, init) = Client::start_with(&[], json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("file://{}/emoji.aether", dir.path().display());
    // `😀` is two UTF-16 units and four bytes, `é` one unit and two bytes.
    let published = c.open(&uri, "note = \"😀é\"; x = summarise(note)\n");
    let v001 = find(&published, "V001");
    let start = "note = \"😀é\"; x = ".encode_utf16().count() as u64;
    assert_eq!(v001["range"]["start"]["character"], start);
    assert_eq!(v001["range"]["end"]["character"], start + 9);
    c.shutdown();
}

#[test]
fn columns_count_bytes_when_the_client_offers_utf8() {
    let caps = json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } });
    let (mut c, init) = Client::start_with(&[], caps);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("file://{}/emoji.aether", dir.path().display());
    let published = c.open(&uri, "note = \"😀é\"; x = summarise(note)\n");
    let start = "note = \"😀é\"; x = ".len() as u64;
    assert_eq!(
        find(&published, "V001")["range"]["start"]["character"],
        start
    );
    // Requests count in bytes too: one byte into the argument `note` is the variable.
    let arg = "note = \"😀é\"; x = summarise(".len() as u32;
    let h = c.at("textDocument/hover", &uri, 0, arg + 1);
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("variable"),
        "{h}"
    );
    assert_eq!(h["range"]["start"]["character"], arg);
    c.shutdown();
}

#[test]
fn a_save_rereads_aether_toml() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("aether.toml");
    std::fs::write(&toml, "[lint]\nignore = [\"V001\"]\n").unwrap();
    let file = dir.path().join("job.aether");
    let text = "frobnicate()\n";
    std::fs::write(&file, text).unwrap();
    let uri = format!("file://{}", file.display());
    let mut c = Client::start();
    // The nearest aether.toml applies, as for `aether check`.
    assert_eq!(c.open(&uri, text)["diagnostics"], json!([]));
    std::fs::write(&toml, "[lint]\nignore = []\n").unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    let published = c.diagnostics(&uri);
    assert_eq!(lsp_diagnostics(&published), [("V001".to_string(), 1)]);
    c.shutdown();
}

#[test]
fn a_broken_aether_toml_is_shown_and_the_file_checked_without_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aether.toml"), "[lint\n").unwrap();
    let file = dir.path().join("job.aether");
    let uri = format!("file://{}", file.display());
    let mut c = Client::start();
    let published = c.open(&uri, "frobnicate()\n");
    assert_eq!(lsp_diagnostics(&published), [("V001".to_string(), 1)]);
    let shown = c.notification("window/showMessage");
    assert_eq!(shown["params"]["type"], 1, "{shown}");
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap()
            .contains("aether.toml"),
        "{shown}"
    );
    c.shutdown();
}

#[test]
fn hover_shows_user_functions_builtins_and_verbs() {
    let mut c = Client::start();
    let (uri, _, _) = c.open_file("corpus/validation/warnings_only.aether");
    // `rule("disk_full")` on line 14.
    let h = c.at("textDocument/hover", &uri, 13, 1);
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("fn rule(name)"), "{text}");
    assert!(text.contains("line 7"), "{text}");
    assert_eq!(h["range"]["start"], json!({ "line": 13, "character": 0 }));
    // `store(r, tag="rules")`: the builtin's signature and doc, as `aether explain store`.
    let h = c.at("textDocument/hover", &uri, 8, 6);
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("store(value, tag?)"), "{text}");
    assert!(text.contains("(builtin function)"), "{text}");
    // A parameter.
    let h = c.at("textDocument/hover", &uri, 7, 22);
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("parameter of `rule`"));
    // A command verb.
    let verbs = "learn from \"operator feedback\"\n";
    let v_uri = uri_of(Path::new("corpus/virtual_verbs.aether"));
    c.open(&v_uri, verbs);
    let h = c.at("textDocument/hover", &v_uri, 0, 2);
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("(command verb)"), "{text}");
    assert!(text.contains("Store a lesson in memory"), "{text}");
    // Between words there is nothing to say.
    assert!(c.at("textDocument/hover", &uri, 4, 7).is_null());
    c.shutdown();
}

#[test]
fn outline_and_definitions() {
    let mut c = Client::start();
    let (uri, _, _) = c.open_file("corpus/validation/warnings_only.aether");
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    )["result"]
        .clone();
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["intent: \"Tidy the alert rules\"", "rule"]);
    assert_eq!(symbols[1]["kind"], 12, "function");
    assert_eq!(
        symbols[1]["selectionRange"],
        json!({ "start": { "line": 6, "character": 3 }, "end": { "line": 6, "character": 7 } })
    );
    // From the call on line 14 to `fn rule` on line 7.
    let d = c.at("textDocument/definition", &uri, 13, 2);
    assert_eq!(d["uri"], uri.as_str());
    assert_eq!(d["range"]["start"], json!({ "line": 6, "character": 3 }));
    // From `name` in the body to the parameter.
    let d = c.at("textDocument/definition", &uri, 7, 22);
    assert_eq!(d["range"]["start"], json!({ "line": 6, "character": 8 }));
    // A builtin has no definition in the file.
    assert!(c.at("textDocument/definition", &uri, 8, 6).is_null());

    // Plugins nest their functions and lifecycle blocks.
    let (uri, _, _) = c.open_file("corpus/migrate/l005_data_unsafe.aether");
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    )["result"]
        .clone();
    assert_eq!(symbols[0]["name"], "feature_flags");
    assert_eq!(symbols[0]["kind"], 2, "module");
    assert_eq!(symbols[0]["children"][0]["name"], "on_run");
    c.shutdown();
}

#[test]
fn completion_offers_names_in_scope_builtins_and_verbs() {
    let mut c = Client::start();
    let (uri, _, _) = c.open_file("corpus/validation/warnings_only.aether");
    // Inside `rule`: its parameter, its local, the function itself.
    let items = c.at("textDocument/completion", &uri, 8, 4);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for want in [
        "name",
        "r",
        "rule",
        "load_logs",
        "store",
        "learn",
        "summarize",
    ] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    // The file's own names first.
    assert_eq!(&labels[..3], ["name", "r", "rule"]);
    // Outside the function, its parameter is not in scope.
    let items = c.at("textDocument/completion", &uri, 13, 0);
    assert!(!items
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["label"] == "r" || i["label"] == "name"));
    c.shutdown();
}

fn code_actions(c: &mut Client, uri: &str, line: u32, only: Option<&str>) -> Vec<Value> {
    let mut context = json!({ "diagnostics": [] });
    if let Some(k) = only {
        context["only"] = json!([k]);
    }
    c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 200 } },
            "context": context,
        }),
    )["result"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn code_actions_are_the_fixes_of_check_fix() {
    let mut c = Client::start();
    let (uri, _, _) = c.open_file("corpus/validation/warnings_only.aether");
    let actions = code_actions(&mut c, &uri, 4, Some("quickfix"));
    assert_eq!(actions.len(), 1, "{actions:?}");
    let a = &actions[0];
    assert_eq!(a["kind"], "quickfix");
    assert_eq!(a["isPreferred"], true);
    assert_eq!(a["diagnostics"][0]["code"], "L001");
    assert_eq!(
        a["edit"]["changes"][uri.as_str()],
        json!([{ "range": { "start": { "line": 4, "character": 0 }, "end": { "line": 4, "character": 6 } }, "newText": "goal" }])
    );
    // No fix on a line without a fixable diagnostic.
    assert!(code_actions(&mut c, &uri, 7, Some("quickfix")).is_empty());

    // A data position's fix changes meaning: unsafe, not preferred; the code one is safe.
    let (uri, text, _) = c.open_file("corpus/migrate/l005_data_unsafe.aether");
    let data = code_actions(&mut c, &uri, 2, Some("quickfix"));
    assert_eq!(data[0]["isPreferred"], false, "{data:?}");
    assert!(data[0]["title"].as_str().unwrap().contains("unsafe"));
    let code = code_actions(&mut c, &uri, 6, Some("quickfix"));
    assert_eq!(code[0]["isPreferred"], true, "{code:?}");

    // Fix all: what `aether check --fix` writes (safe fixes only), as edits.
    let all = code_actions(&mut c, &uri, 0, Some("source.fixAll"));
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["kind"], "source.fixAll.aether");
    let edits = all[0]["edit"]["changes"][uri.as_str()].as_array().unwrap();
    let fixed = apply(&text, edits);
    let expected = text.replace("let ready = True", "let ready = true");
    assert_eq!(fixed, expected);
    // Quick fixes are not offered when only source actions are asked for.
    assert!(code_actions(&mut c, &uri, 6, Some("source.fixAll"))
        .iter()
        .all(|a| a["kind"] == "source.fixAll.aether"));
    c.shutdown();
}

/// Apply LSP text edits (UTF-16 positions; the corpus files here are ASCII).
fn apply(text: &str, edits: &[Value]) -> String {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let off = |p: &Value| {
        starts[p["line"].as_u64().unwrap() as usize] + p["character"].as_u64().unwrap() as usize
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                off(&e["range"]["start"]),
                off(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort();
    let mut out = String::new();
    let mut at = 0;
    for (s, e, t) in spans {
        out.push_str(&text[at..s]);
        out.push_str(t);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[test]
fn a_change_that_fixes_the_error_clears_the_diagnostics() {
    let mut c = Client::start();
    let path = "corpus/validation/unknown_function_did_you_mean.aether";
    let (uri, text, published) = c.open_file(path);
    assert_eq!(lsp_diagnostics(&published), [("V001".to_string(), 6)]);
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": text.replace("summarise(", "summarize(") }],
        }),
    );
    let published = c.diagnostics(&uri);
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]));
    // Closing clears what the editor shows.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(c.diagnostics(&uri)["diagnostics"], json!([]));
    c.shutdown();
}

#[test]
fn a_panic_is_an_error_response_and_the_server_keeps_serving() {
    let (mut c, _) = Client::start_with(&[("AETHER_LSP_TEST_PANIC", "1")], json!({}));
    let r = c.request("aether/panic", json!({}));
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("panic requested"));
    let log = c.notification("window/logMessage");
    let log = if log["params"]["type"] == 1 {
        log
    } else {
        c.notification("window/logMessage")
    };
    assert!(log["params"]["message"]
        .as_str()
        .unwrap()
        .contains("internal error while handling aether/panic"));
    // Still serving.
    let (uri, _, _) = c.open_file("corpus/validation/warnings_only.aether");
    assert!(c.at("textDocument/hover", &uri, 13, 1).is_object());
    let r = c.request("no/such/method", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let stderr = c.stderr.clone();
    c.shutdown();
    assert!(stderr
        .lock()
        .unwrap()
        .contains("panic requested by aether/panic"));
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let mut c = Client::start();
    c.notify("exit", Value::Null);
    assert_eq!(wait(&mut c.child), Some(1));
}
