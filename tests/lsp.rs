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

    /// A server whose workspace is the folder `root`.
    fn start_in(root_dir: &Path) -> Client {
        let root_uri = format!("file://{}", root_dir.display());
        Client::start_full(&[], json!({}), json!(root_uri)).0
    }

    /// A server with these environment variables, initialized with these client
    /// capabilities; the `initialize` result too.
    fn start_with(env: &[(&str, &str)], capabilities: Value) -> (Client, Value) {
        Client::start_full(env, capabilities, Value::Null)
    }

    fn start_full(env: &[(&str, &str)], capabilities: Value, root_uri: Value) -> (Client, Value) {
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
            json!({ "processId": null, "rootUri": root_uri, "capabilities": capabilities }),
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

/// (line, character) of the `nth` occurrence (0-based) of `needle` in `text` (ASCII).
fn pos(text: &str, needle: &str, nth: usize) -> (u64, u64) {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth} not in {text}"))
        .0;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u64, col as u64)
}

/// (file name, line, character) of each location, sorted.
fn places(locations: &Value) -> Vec<(String, u64, u64)> {
    let mut out: Vec<_> = locations
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {locations}"))
        .iter()
        .map(|l| {
            let uri = l["uri"].as_str().unwrap();
            (
                uri.rsplit('/').next().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn at_pos(name: &str, p: (u64, u64)) -> (String, u64, u64) {
    (name.to_string(), p.0, p.1)
}

const UTIL: &str = "fn helper(a, b = 1) {
    return a + b
}
plugin tools {
    fn sharpen(x) {
        return x
    }
    on_run {
        sharpen(1)
    }
    fn restart() {
        on_run()
    }
}
";

const MAIN: &str = "import \"lib/util\" as util
total = util.helper(1)
fn twice(n) {
    return util.helper(n, b=n)
}
total = twice(total)
log total
util.sharpen(2)
emit build_failed(\"x\")
when build_failed(job):
    log job
";

const OTHER: &str = "import \"lib/util\"
x = util.helper(2)
call lib/util.helper(3)
";

/// A project: `aether.toml` (the root modules are found under), `lib/util.aether`,
/// `main.aether` and `other.aether`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aether.toml"), "").unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(dir.path().join("lib/util.aether"), UTIL).unwrap();
    std::fs::write(dir.path().join("main.aether"), MAIN).unwrap();
    std::fs::write(dir.path().join("other.aether"), OTHER).unwrap();
    dir
}

fn references(c: &mut Client, uri: &str, p: (u64, u64), declaration: bool) -> Value {
    c.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": p.0, "character": p.1 },
            "context": { "includeDeclaration": declaration },
        }),
    )["result"]
        .clone()
}

#[test]
fn references_follow_scopes_and_imports_across_the_project() {
    let dir = project();
    let main = format!("file://{}", dir.path().join("main.aether").display());
    let util = format!("file://{}", dir.path().join("lib/util.aether").display());
    let mut c = Client::start_in(dir.path());
    let published = c.open(&main, MAIN);
    assert_eq!(published["diagnostics"], json!([]), "{published}");
    let m = |needle: &str, nth: usize| at_pos("main.aether", pos(MAIN, needle, nth));

    // A variable: its binding, the re-binding and the reads; without the declaration, not
    // the first binding.
    let total = references(&mut c, &main, pos(MAIN, "total", 0), true);
    let expected = vec![m("total", 0), m("total", 1), m("total", 2), m("total", 3)];
    assert_eq!(places(&total), expected);
    let total = references(&mut c, &main, pos(MAIN, "total", 3), false);
    assert_eq!(places(&total), expected[1..]);

    // A parameter: only inside its function.
    let n = references(&mut c, &main, pos(MAIN, "n)", 0), true);
    let (l, ch) = pos(MAIN, "=n", 0);
    assert_eq!(
        places(&n),
        [
            m("n)", 0),
            m("n, b", 0),
            ("main.aether".to_string(), l, ch + 1)
        ]
    );

    // An import: its alias and every use of it.
    let alias = references(&mut c, &main, pos(MAIN, "util.helper", 0), true);
    assert_eq!(
        places(&alias),
        [
            m("util\n", 0),
            m("util.helper", 0),
            m("util.helper", 1),
            m("util.sharpen", 0),
        ]
    );

    // A module's function, from a call through the import: its definition in the module,
    // the calls in the open file and in a file of the project that is not open (through
    // its own import and through `call lib/util.helper`).
    let helper = (
        pos(MAIN, "util.helper", 0).0,
        pos(MAIN, "util.helper", 0).1 + 6,
    );
    let found = references(&mut c, &main, helper, true);
    let o = |needle: &str, nth: usize| at_pos("other.aether", pos(OTHER, needle, nth));
    assert_eq!(
        places(&found),
        [
            at_pos("util.aether", pos(UTIL, "helper", 0)),
            (
                m("util.helper", 0).0,
                m("util.helper", 0).1,
                m("util.helper", 0).2 + 5
            ),
            (
                m("util.helper", 1).0,
                m("util.helper", 1).1,
                m("util.helper", 1).2 + 5
            ),
            (o("helper", 0).0, o("helper", 0).1, o("helper", 0).2),
            (o("helper", 1).0, o("helper", 1).1, o("helper", 1).2),
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );

    // A plugin's function, from its definition in the module (opened): the call in its
    // lifecycle block and the one through the import in main.aether.
    c.open(&util, UTIL);
    let u = |needle: &str, nth: usize| at_pos("util.aether", pos(UTIL, needle, nth));
    let sharpen = references(&mut c, &util, pos(UTIL, "sharpen", 0), true);
    let mut want = vec![
        u("sharpen", 0),
        u("sharpen", 1),
        (m("sharpen", 0).0, m("sharpen", 0).1, m("sharpen", 0).2),
    ];
    want.sort();
    assert_eq!(places(&sharpen), want);

    // A lifecycle block and the call of it inside its plugin.
    let on_run = references(&mut c, &util, pos(UTIL, "on_run", 0), true);
    assert_eq!(places(&on_run), [u("on_run", 0), u("on_run", 1)]);

    // An event: the handler's head declares it; `emit` names it.
    let event = references(&mut c, &main, pos(MAIN, "build_failed", 1), true);
    assert_eq!(places(&event), [m("build_failed", 0), m("build_failed", 1)]);
    // The handler's payload is bound in the handler.
    let job = references(&mut c, &main, pos(MAIN, "job", 1), true);
    assert_eq!(places(&job), [m("job", 0), m("job", 1)]);
    c.shutdown();
}

#[test]
fn definitions_lead_into_module_files() {
    let dir = project();
    let main = format!("file://{}", dir.path().join("main.aether").display());
    let other = format!("file://{}", dir.path().join("other.aether").display());
    let util = format!("file://{}", dir.path().join("lib/util.aether").display());
    let mut c = Client::start_in(dir.path());
    c.open(&main, MAIN);
    let (l, ch) = pos(MAIN, "helper", 0);
    let d = c.at("textDocument/definition", &main, l as u32, ch as u32 + 2);
    assert_eq!(d["uri"], util.as_str(), "{d}");
    assert_eq!(d["range"]["start"], json!({ "line": 0, "character": 3 }));
    // A plugin's function, through the module.
    let (l, ch) = pos(MAIN, "sharpen", 0);
    let d = c.at("textDocument/definition", &main, l as u32, ch as u32);
    assert_eq!(d["uri"], util.as_str(), "{d}");
    assert_eq!(d["range"]["start"], json!({ "line": 4, "character": 7 }));
    // The import's path: the module file itself.
    let d = c.at("textDocument/definition", &main, 0, 10);
    assert_eq!(d["uri"], util.as_str(), "{d}");
    assert_eq!(d["range"]["start"], json!({ "line": 0, "character": 0 }));
    // The alias stays in the file: its import line.
    let (l, ch) = pos(MAIN, "util.sharpen", 0);
    let d = c.at("textDocument/definition", &main, l as u32, ch as u32);
    assert_eq!(d["uri"], main.as_str());
    assert_eq!(d["range"]["start"], json!({ "line": 0, "character": 21 }));
    // `call lib/util.helper(3)` in another file.
    c.open(&other, OTHER);
    let (l, ch) = pos(OTHER, "helper", 1);
    let d = c.at("textDocument/definition", &other, l as u32, ch as u32 + 1);
    assert_eq!(d["uri"], util.as_str(), "{d}");
    assert_eq!(d["range"]["start"], json!({ "line": 0, "character": 3 }));
    c.shutdown();
}

fn workspace_symbols(c: &mut Client, query: &str) -> Vec<(String, String, Option<String>)> {
    let r = c.request("workspace/symbol", json!({ "query": query }))["result"].clone();
    r.as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["location"]["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                s["containerName"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn workspace_symbols_search_the_project() {
    let dir = project();
    // Below `target/` the walk of `aether check DIR` does not look.
    std::fs::create_dir(dir.path().join("target")).unwrap();
    std::fs::write(
        dir.path().join("target/skip.aether"),
        "fn sharpened() {\n}\n",
    )
    .unwrap();
    let mut c = Client::start_in(dir.path());
    // Nothing open: the files are read from disk.
    assert_eq!(
        workspace_symbols(&mut c, "sharp"),
        [(
            "sharpen".to_string(),
            "util.aether".to_string(),
            Some("tools".to_string())
        )]
    );
    // In order, ignoring case, not necessarily together: "TWc" is in neither; "twe" is
    // `twice`.
    let names: Vec<String> = workspace_symbols(&mut c, "twe")
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(names, ["twice"]);
    assert!(workspace_symbols(&mut c, "zzz").is_empty());
    // An open file is searched in the editor's text, not the one on disk.
    let main = format!("file://{}", dir.path().join("main.aether").display());
    c.open(&main, &MAIN.replace("fn twice(n)", "fn thrice(n)"));
    assert!(workspace_symbols(&mut c, "twice").is_empty());
    assert_eq!(workspace_symbols(&mut c, "thrice")[0].1, "main.aether");
    c.shutdown();
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("{items}"))
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn host_functions_from_aether_toml_in_hover_and_completion() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aether.toml"),
        "[host]\nfunctions = [\"page_oncall(team, message=?)\", \"current_time\"]\n",
    )
    .unwrap();
    let text = "page_oncall(\"ops\", message=\"x\")\nt = current_time()\n";
    let file = dir.path().join("job.aether");
    std::fs::write(&file, text).unwrap();
    let uri = format!("file://{}", file.display());
    let mut c = Client::start();
    assert_eq!(c.open(&uri, text)["diagnostics"], json!([]));
    let h = c.at("textDocument/hover", &uri, 0, 2);
    let value = h["contents"]["value"].as_str().unwrap();
    assert!(value.contains("page_oncall(team, message=?)"), "{value}");
    assert!(value.contains("host function"), "{value}");
    assert!(value.contains("aether.toml"), "{value}");
    let h = c.at("textDocument/hover", &uri, 1, 6);
    let value = h["contents"]["value"].as_str().unwrap();
    assert!(value.contains("current_time"), "{value}");
    assert!(value.contains("any arguments"), "{value}");
    let items = c.at("textDocument/completion", &uri, 1, 0);
    let l = labels(&items);
    assert!(l.contains(&"page_oncall".to_string()), "{l:?}");
    assert!(l.contains(&"current_time".to_string()), "{l:?}");
    let notify = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "page_oncall")
        .unwrap();
    assert_eq!(notify["detail"], "page_oncall(team, message=?)");
    c.shutdown();
}

#[test]
fn keyword_arguments_are_completed_inside_calls() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aether.toml"),
        "[host]\nfunctions = [\"page_oncall(team, message=?)\"]\n",
    )
    .unwrap();
    let text = "fn deploy(target, region = \"eu\", dry = false) {\n    return target\n}\ndeploy(\"x\", \ndeploy(\"x\", dry=true, \nstore(\npage_oncall(\nx = [deploy(1), \n";
    let file = dir.path().join("job.aether");
    let uri = format!("file://{}", file.display());
    let mut c = Client::start();
    c.open(&uri, text);
    let end_of = |line: u32| {
        let l = text.lines().nth(line as usize).unwrap();
        l.len() as u32
    };
    let kwargs = |c: &mut Client, line: u32| -> Vec<String> {
        let items = c.at("textDocument/completion", &uri, line, end_of(line));
        labels(&items)
            .into_iter()
            .filter(|l| l.ends_with('='))
            .collect()
    };
    // The first argument is given by position: `region` and `dry` are left.
    assert_eq!(kwargs(&mut c, 3), ["region=", "dry="]);
    // ... and `dry` by keyword.
    assert_eq!(kwargs(&mut c, 4), ["region="]);
    // A builtin and a host function.
    assert_eq!(kwargs(&mut c, 5), ["value=", "tag="]);
    assert_eq!(kwargs(&mut c, 6), ["team=", "message="]);
    // Not a call's argument list (a list's item): no keyword arguments.
    assert!(kwargs(&mut c, 7).is_empty());
    // Keyword arguments come first, then the names in scope.
    let items = c.at("textDocument/completion", &uri, 3, end_of(3));
    assert_eq!(labels(&items)[0], "region=");
    assert!(labels(&items).contains(&"deploy".to_string()));
    c.shutdown();
}

/// The text edits of a workspace edit for the file `uri`, from `changes` or
/// `documentChanges`.
fn edits_for(edit: &Value, uri: &str) -> Vec<Value> {
    if let Some(e) = edit["changes"][uri].as_array() {
        return e.clone();
    }
    edit["documentChanges"]
        .as_array()
        .unwrap_or_else(|| panic!("{edit}"))
        .iter()
        .filter(|c| c["textDocument"]["uri"] == uri)
        .flat_map(|c| c["edits"].as_array().unwrap().clone())
        .collect()
}

fn declare_action(c: &mut Client, uri: &str) -> Value {
    let actions = code_actions(c, uri, 1, Some("quickfix"));
    actions
        .into_iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Declare `frobnicate` as host function")
        })
        .unwrap_or_else(|| panic!("no declare action"))
}

#[test]
fn declaring_an_unknown_function_in_aether_toml_clears_the_error() {
    // An existing aether.toml with CRLF line endings and a table of its own.
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("aether.toml");
    let before = "# project\r\n[lint]\r\nignore = [\"W004\"]\r\n";
    std::fs::write(&toml, before).unwrap();
    let text = "x = 1\nfrobnicate(x)\n";
    let file = dir.path().join("job.aether");
    std::fs::write(&file, text).unwrap();
    let uri = format!("file://{}", file.display());
    let toml_uri = format!("file://{}", toml.display());
    let mut c = Client::start_in(dir.path());
    assert_eq!(
        lsp_diagnostics(&c.open(&uri, text)),
        [("V001".to_string(), 2)]
    );
    let action = declare_action(&mut c, &uri);
    assert_eq!(action["diagnostics"][0]["code"], "V001");
    let edits = edits_for(&action["edit"], &toml_uri);
    let after = apply(before, &edits);
    assert_eq!(
        after,
        "# project\r\n[lint]\r\nignore = [\"W004\"]\r\n\r\n[host]\r\nfunctions = [\"frobnicate\"]\r\n"
    );
    std::fs::write(&toml, &after).unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(c.diagnostics(&uri)["diagnostics"], json!([]));
    c.shutdown();

    // No aether.toml: one is created at the workspace root, for a file below it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("jobs")).unwrap();
    let file = dir.path().join("jobs/job.aether");
    std::fs::write(&file, text).unwrap();
    let uri = format!("file://{}", file.display());
    let toml = dir.path().join("aether.toml");
    let toml_uri = format!("file://{}", toml.display());
    let mut c = Client::start_in(dir.path());
    c.open(&uri, text);
    let action = declare_action(&mut c, &uri);
    let changes = action["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(changes[0]["kind"], "create");
    assert_eq!(changes[0]["uri"], toml_uri.as_str());
    let created = apply("", &edits_for(&action["edit"], &toml_uri));
    assert_eq!(created, "[host]\nfunctions = [\"frobnicate\"]\n");
    std::fs::write(&toml, &created).unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(c.diagnostics(&uri)["diagnostics"], json!([]));
    c.shutdown();
}

/// The tokens of `textDocument/semanticTokens/full`, decoded: (text, type, modifiers).
fn semantic_tokens(
    c: &mut Client,
    uri: &str,
    text: &str,
    legend: &Value,
) -> Vec<(String, String, Vec<String>)> {
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri } }),
    )["result"]
        .clone();
    let data: Vec<u64> = r["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let types = legend["tokenTypes"].as_array().unwrap();
    let mods = legend["tokenModifiers"].as_array().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut col) = (0u64, 0u64);
    data.chunks(5)
        .map(|t| {
            if t[0] > 0 {
                line += t[0];
                col = t[1];
            } else {
                col += t[1];
            }
            let s = &lines[line as usize][col as usize..(col + t[2]) as usize];
            let m = (0..mods.len())
                .filter(|i| t[4] & (1 << i) != 0)
                .map(|i| mods[i].as_str().unwrap().to_string())
                .collect();
            (
                s.to_string(),
                types[t[3] as usize].as_str().unwrap().to_string(),
                m,
            )
        })
        .collect()
}

#[test]
fn semantic_tokens_follow_the_tree_in_each_dialect() {
    let (mut c, init) = Client::start_with(&[], json!({}));
    let provider = &init["capabilities"]["semanticTokensProvider"];
    assert_eq!(provider["range"], true);
    let legend = provider["legend"].clone();
    // Only the protocol's standard types and modifiers.
    let standard = [
        "keyword",
        "function",
        "method",
        "parameter",
        "variable",
        "property",
        "string",
        "number",
        "comment",
        "operator",
        "namespace",
        "event",
        "macro",
        "decorator",
        "type",
        "enumMember",
    ];
    for t in legend["tokenTypes"].as_array().unwrap() {
        assert!(standard.contains(&t.as_str().unwrap()), "{t}");
    }
    let has = |toks: &[(String, String, Vec<String>)], text: &str, ty: &str, m: &[&str]| {
        let want = (
            text.to_string(),
            ty.to_string(),
            m.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        assert!(toks.contains(&want), "{want:?} not in {toks:?}");
    };

    let braces = "import \"lib/util\" as util\nplugin cache {\n    fn warm(x) {\n        return x + util.size(limit=1)\n    }\n    on_run {\n        warm(2.5)\n    }\n}\nlet cfg = { ttl: 30s }\n# done\n";
    let uri = uri_of(Path::new("corpus/virtual_braces.aether"));
    c.open(&uri, braces);
    let t = semantic_tokens(&mut c, &uri, braces, &legend);
    has(&t, "import", "keyword", &[]);
    has(&t, "\"lib/util\"", "namespace", &[]);
    has(&t, "util", "namespace", &["declaration"]);
    has(&t, "plugin", "keyword", &[]);
    has(&t, "cache", "namespace", &["declaration"]);
    has(&t, "fn", "keyword", &[]);
    has(&t, "warm", "function", &["declaration"]);
    has(&t, "x", "parameter", &["declaration"]);
    has(&t, "x", "parameter", &[]);
    has(&t, "+", "operator", &[]);
    has(&t, "size", "method", &[]);
    has(&t, "limit", "parameter", &[]);
    has(&t, "on_run", "event", &["declaration"]);
    has(&t, "warm", "function", &[]);
    has(&t, "2.5", "number", &[]);
    has(&t, "cfg", "variable", &["declaration"]);
    has(&t, "ttl", "property", &[]);
    has(&t, "30s", "number", &[]);
    has(&t, "# done", "comment", &[]);
    assert_eq!(t[0], ("import".into(), "keyword".into(), vec![]));

    let indented =
        "goal: \"ship\"\nfunction greet(name):\n    msg = f\"hi {name}\"\n    print(msg)\n";
    let uri = uri_of(Path::new("corpus/virtual_indent.aether"));
    c.open(&uri, indented);
    let t = semantic_tokens(&mut c, &uri, indented, &legend);
    has(&t, "goal", "macro", &[]);
    has(&t, "\"ship\"", "string", &[]);
    has(&t, "function", "keyword", &[]);
    has(&t, "greet", "function", &["declaration"]);
    has(&t, "name", "parameter", &["declaration"]);
    has(&t, "msg", "variable", &["declaration"]);
    has(&t, "print", "function", &["defaultLibrary"]);
    has(&t, "msg", "variable", &[]);
    // The interpolation's name is the parameter, between string pieces.
    has(&t, "name", "parameter", &[]);
    let i = t.iter().position(|x| x.0 == "f\"").unwrap();
    let pieces: Vec<(&str, &str)> = t[i..i + 4]
        .iter()
        .map(|(s, ty, _)| (s.as_str(), ty.as_str()))
        .collect();
    assert_eq!(
        pieces,
        [
            ("f\"", "string"),
            ("hi ", "string"),
            ("name", "parameter"),
            ("\"", "string")
        ]
    );

    let ended = "define warm_cache(target)\n    remember(\"warmed \" + target) as \"cache\"\nend\nwhen load > 90%:\n    learn from \"quiet hours\"\nend\n";
    let uri = uri_of(Path::new("corpus/virtual_end.aether"));
    c.open(&uri, ended);
    let t = semantic_tokens(&mut c, &uri, ended, &legend);
    has(&t, "define", "keyword", &[]);
    has(&t, "warm_cache", "function", &["declaration"]);
    has(&t, "target", "parameter", &["declaration"]);
    has(&t, "target", "parameter", &[]);
    has(&t, "remember", "keyword", &[]);
    has(&t, "end", "keyword", &[]);
    has(&t, "when", "keyword", &[]);
    has(&t, "90%", "number", &[]);
    has(&t, ">", "operator", &[]);
    has(&t, "learn", "function", &["defaultLibrary"]);
    has(&t, "\"quiet hours\"", "string", &[]);

    // A range: only the tokens of the lines asked for.
    let r = c.request(
        "textDocument/semanticTokens/range",
        json!({ "textDocument": { "uri": uri }, "range": {
            "start": { "line": 2, "character": 0 }, "end": { "line": 2, "character": 3 } } }),
    )["result"]
        .clone();
    assert_eq!(r["data"], json!([2, 0, 3, 0, 0]), "{r}");
    c.shutdown();
}

#[test]
fn a_burst_of_changes_is_checked_on_its_last_text() {
    let mut c = Client::start();
    let path = "corpus/validation/unknown_function_did_you_mean.aether";
    let (uri, text, _) = c.open_file(path);
    let fixed = text.replace("summarise(", "summarize(");
    for v in 2..=30 {
        let t = if v == 30 { &fixed } else { &text };
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": v },
                "contentChanges": [{ "text": t }],
            }),
        );
    }
    // Whatever was coalesced, the last diagnostics are those of version 30, and they come
    // before the answer to a request sent after the changes.
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(h.get("error").is_none(), "{h}");
    let mut last = Value::Null;
    while let Some(i) = c
        .queue
        .iter()
        .position(|m| m["method"] == "textDocument/publishDiagnostics")
    {
        last = c.queue.remove(i).unwrap();
    }
    assert_eq!(last["params"]["version"], 30, "{last}");
    assert_eq!(last["params"]["diagnostics"], json!([]));
    c.shutdown();
}
