//! The machine output formats of `aether check` (src/bulk/formats.rs), on outcomes computed from
//! small inline sources: each output is parsed back with a real parser (serde_json,
//! quick-xml) and checked for shape, counts, positions and escaping.

use aether::bulk::formats::{self, Tool};
use aether::lint::check::{check_path, check_text, Outcome, Settings};
use aether::syntax::diagnostic::internal_error;
use aether::syntax::diagnostic::{Code, Severity};
use aether::syntax::source::{decode, Loaded};
use aether::syntax::span::LineIndex;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const CLEAN: &str = "goal: \"Summarize logs\"\nreflect()\n";
/// P002 with a secondary label at the opener.
const PARSE: &str = "plugin cache {\n  reflect()\n";
/// L001 (warning), V005 and V001 (with help).
const VALIDATION: &str = "intent: summarise the week\nlogs = load_logs(tag=\"app\", windw=7d)\nreport: summarise(logs)\n";
/// V001 after `é` (one UTF-16 unit) and `𝄞` (two): character column 16, UTF-16 column 17.
const UNICODE: &str = "x = [\"caf\u{e9} \u{1d11e}\", frobnicate(1)]\n";
/// W003 whose message holds `"<&>%',:`, then V001 so that the file fails.
const ESCAPE: &str = "y = {\"1\\\"<&>%',:\": 1, \"1\\\"<&>%',:\": 2}\nfrobnicate(y)\n";
const ESCAPE_KEY: &str = "1\"<&>%',:";
const ESCAPE_PATH: &str = "c/100% <&\"',:>.aether";
const CRASH_MESSAGE: &str = "boom: <&>\"' 100%\r\nsecond line\u{1}";

fn check(src: &str) -> Outcome {
    check_text(
        src.to_string(),
        Some(Path::new("x.aether")),
        &Settings::default(),
    )
}

fn outcome_of(loaded: Loaded) -> Outcome {
    match loaded {
        Loaded::Text(t) => check(&t),
        Loaded::Failed { diagnostic, text } => Outcome {
            code: diagnostic.code(),
            lines: LineIndex::new(&text),
            diagnostics: vec![diagnostic],
            text,
        },
    }
}

/// One of each kind of result, sorted by path as `aether check` passes them.
fn results() -> Vec<(String, Outcome)> {
    let crash_text = "goal: \"x\"\n".to_string();
    let mut results = vec![
        ("a/clean.aether".to_string(), check(CLEAN)),
        ("a/parse.aether".to_string(), check(PARSE)),
        ("a/validation.aether".to_string(), check(VALIDATION)),
        ("b/unicode.aether".to_string(), check(UNICODE)),
        (ESCAPE_PATH.to_string(), check(ESCAPE)),
        (
            "d/bad-utf8.aether".to_string(),
            outcome_of(decode(b"goal: \"caf\xff\"\n".to_vec())),
        ),
        (
            "d/crash.aether".to_string(),
            Outcome {
                code: Code::InternalError,
                diagnostics: vec![internal_error(Box::new(CRASH_MESSAGE.to_string()))],
                lines: LineIndex::new(&crash_text),
                text: crash_text,
            },
        ),
        (
            "d/missing.aether".to_string(),
            check_path(
                Path::new("/nonexistent-aether-formats-test/missing.aether"),
                &Settings::default(),
            ),
        ),
    ];
    results.sort_by(|a, b| a.0.cmp(&b.0));
    results
}

fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).expect("writing to a Vec succeeds");
    String::from_utf8(out).expect("utf-8 output")
}

#[test]
fn the_inputs_are_what_the_tests_assume() {
    let r = results();
    let codes: Vec<(&str, Code)> = r.iter().map(|(p, o)| (p.as_str(), o.code)).collect();
    assert_eq!(
        codes,
        [
            ("a/clean.aether", Code::Success),
            ("a/parse.aether", Code::ParseError),
            ("a/validation.aether", Code::ValidationError),
            ("b/unicode.aether", Code::ValidationError),
            (ESCAPE_PATH, Code::ValidationError),
            ("d/bad-utf8.aether", Code::IoError),
            ("d/crash.aether", Code::InternalError),
            ("d/missing.aether", Code::IoError),
        ]
    );
    let ids = |i: usize| -> Vec<&str> { r[i].1.diagnostics.iter().map(|d| d.rule.id).collect() };
    assert!(r[0].1.diagnostics.is_empty());
    assert_eq!(ids(1), ["P002"]);
    assert!(!r[1].1.diagnostics[0].secondary.is_empty());
    assert_eq!(ids(2), ["L001", "V005", "V001"]);
    assert_eq!(ids(3), ["V001"]);
    assert_eq!(ids(4), ["W003", "V001"]);
    assert!(r[4].1.diagnostics[0].message.contains(ESCAPE_KEY));
    assert_eq!(ids(5), ["I002"]);
    assert_eq!(ids(6), ["X001"]);
    assert_eq!(ids(7), ["I001"]);
}

// ---------------------------------------------------------------------------------------
// JSON and NDJSON

const FILE_KEYS: [&str; 5] = ["path", "ok", "code", "code_name", "diagnostics"];

#[test]
fn ndjson_is_one_object_per_file_with_keys_in_order() {
    let r = results();
    let text = render(|o| formats::ndjson(o, &r));
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        r.len(),
        "one line per file, clean files included"
    );
    for (line, (path, outcome)) in lines.iter().zip(&r) {
        let v: Value = serde_json::from_str(line).expect("each line is JSON");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, FILE_KEYS);
        assert_eq!(v["path"], path.as_str());
        assert_eq!(v["ok"], outcome.code == Code::Success);
        assert_eq!(v["code"], outcome.code.number());
        assert_eq!(v["code_name"], outcome.code.name());
        let diags = v["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), outcome.diagnostics.len());
        for (j, d) in diags.iter().zip(&outcome.diagnostics) {
            let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                &keys[..13],
                [
                    "id",
                    "name",
                    "code",
                    "code_name",
                    "severity",
                    "message",
                    "line",
                    "column",
                    "end_line",
                    "end_column",
                    "start",
                    "end",
                    "labels"
                ]
            );
            assert_eq!(j["id"], d.rule.id);
            assert_eq!(j["message"], d.message.as_str());
        }
    }
    let unicode: Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(unicode["diagnostics"][0]["column"], 16, "characters");
}

#[test]
fn json_is_the_array_of_the_ndjson_objects() {
    let r = results();
    let array: Value = serde_json::from_str(&render(|o| formats::json(o, &r))).unwrap();
    let lines: Vec<Value> = render(|o| formats::ndjson(o, &r))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(array, Value::Array(lines));
}

// ---------------------------------------------------------------------------------------
// SARIF

const TOOL: Tool = Tool {
    version: "9.8.7",
    information_uri: Some("https://example.invalid/aether"),
};

fn sarif() -> (Vec<(String, Outcome)>, Value) {
    let r = results();
    let text = render(|o| formats::sarif(o, &r, &TOOL));
    let v = serde_json::from_str(&text).expect("SARIF is JSON");
    (r, v)
}

fn is_positive_int(v: &Value) -> bool {
    v.as_u64().is_some_and(|n| n >= 1)
}

/// The parts of the SARIF 2.1.0 schema that a result location must satisfy.
fn check_physical_location(p: &Value, uri: &str, with_region: bool) {
    assert_eq!(p["artifactLocation"]["uri"], uri);
    match p.get("region") {
        Some(region) => {
            assert!(with_region, "unexpected region: {p}");
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(is_positive_int(&region[k]), "{k} in {region}");
            }
            let start = (region["startLine"].as_u64(), region["startColumn"].as_u64());
            let end = (region["endLine"].as_u64(), region["endColumn"].as_u64());
            assert!(start <= end, "region ends before it starts: {region}");
        }
        None => assert!(!with_region, "missing region: {p}"),
    }
}

#[test]
fn sarif_has_the_shape_of_the_2_1_0_schema() {
    let (r, v) = sarif();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "aether");
    assert_eq!(driver["version"], "9.8.7");
    assert_eq!(driver["informationUri"], "https://example.invalid/aether");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        rule_ids,
        ["I001", "I002", "L001", "P002", "V001", "V005", "W003", "X001"],
        "every rule that occurs, once, sorted"
    );
    for rule in rules {
        let known = aether::syntax::diagnostic::find_rule(rule["id"].as_str().unwrap()).unwrap();
        assert_eq!(rule["name"], known.name);
        assert_eq!(rule["shortDescription"]["text"], known.summary);
        assert_eq!(rule["fullDescription"]["text"], known.doc);
        assert!(rule["help"]["text"].as_str().unwrap().contains(known.doc));
        let level = match known.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }

    let results = run["results"].as_array().unwrap();
    let all: Vec<(&String, &aether::syntax::diagnostic::Diagnostic)> = r
        .iter()
        .flat_map(|(p, o)| o.diagnostics.iter().map(move |d| (p, d)))
        .collect();
    assert_eq!(results.len(), all.len(), "one result per diagnostic");
    for (res, (path, d)) in results.iter().zip(&all) {
        let id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at ruleId");
        assert_eq!(id, d.rule.id);
        let level = res["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level));
        assert_eq!(level == "error", d.is_error());
        assert_eq!(res["message"]["text"], d.message.as_str());
        let locations = res["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        let uri = formats::sarif_uri(path);
        check_physical_location(
            &locations[0]["physicalLocation"],
            &uri,
            formats::has_location(d),
        );
        if let Some(related) = res.get("relatedLocations") {
            let related = related.as_array().unwrap();
            assert_eq!(related.len(), d.secondary.len());
            for (i, (rel, label)) in related.iter().zip(&d.secondary).enumerate() {
                assert_eq!(rel["id"], i);
                assert_eq!(rel["message"]["text"], label.message.as_str());
                check_physical_location(&rel["physicalLocation"], &uri, true);
            }
        } else {
            assert!(d.secondary.is_empty());
        }
    }
}

fn sarif_result<'a>(v: &'a Value, uri: &str, rule: &str) -> &'a Value {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == rule
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
        })
        .unwrap_or_else(|| panic!("no {rule} result for {uri}"))
}

#[test]
fn sarif_positions_labels_and_files_that_were_not_checked() {
    let (_, v) = sarif();
    // Columns count UTF-16 code units: `𝄞` counts two.
    let unicode = sarif_result(&v, "b/unicode.aether", "V001");
    assert_eq!(
        unicode["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1, "startColumn": 17, "endLine": 1, "endColumn": 27})
    );
    // The unclosed brace: reported at the end of the file, the opener as a related location.
    let parse = sarif_result(&v, "a/parse.aether", "P002");
    assert_eq!(
        parse["relatedLocations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1, "startColumn": 14, "endLine": 1, "endColumn": 15})
    );
    assert_eq!(
        parse["relatedLocations"][0]["message"]["text"],
        "opened here"
    );
    // Help travels in the result's property bag.
    let v001 = sarif_result(&v, "a/validation.aether", "V001");
    assert_eq!(
        v001["properties"]["help"], "did you mean `summarize`?",
        "{v001}"
    );
    // Unreadable file and crash: a result without a region. Invalid UTF-8 points at its byte.
    for (uri, rule) in [("d/missing.aether", "I001"), ("d/crash.aether", "X001")] {
        let res = sarif_result(&v, uri, rule);
        assert_eq!(res["level"], "error");
        assert!(res["locations"][0]["physicalLocation"]
            .get("region")
            .is_none());
    }
    let crash = sarif_result(&v, "d/crash.aether", "X001");
    assert_eq!(
        crash["message"]["text"],
        format!("internal error: {CRASH_MESSAGE}")
    );
    let bad = sarif_result(&v, "d/bad-utf8.aether", "I002");
    assert_eq!(
        bad["locations"][0]["physicalLocation"]["region"]["startColumn"],
        11
    );
    // The path becomes a percent-encoded relative reference.
    sarif_result(&v, "c/100%25%20%3C&%22',%3A%3E.aether", "W003");
}

#[test]
fn sarif_of_clean_files_has_rules_and_results_empty() {
    let r = vec![("a/clean.aether".to_string(), check(CLEAN))];
    let v: Value = serde_json::from_str(&render(|o| formats::sarif(o, &r, &Tool::AETHER))).unwrap();
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

// ---------------------------------------------------------------------------------------
// JUnit

/// A parsed XML element, enough for JUnit.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn attr(&self, key: &str) -> &str {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("<{}> has no attribute {key}", self.name))
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

fn start_element(e: &quick_xml::events::BytesStart) -> Element {
    let mut element = Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.expect("well-formed attribute");
        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
            .expect("attribute value unescapes")
            .into_owned();
        assert!(
            element.attributes.iter().all(|(k, _)| *k != key),
            "duplicate attribute {key}"
        );
        element.attributes.push((key, value));
    }
    element
}

/// Parse a whole document into its root element, rejecting anything JUnit output should not
/// hold (comments, CDATA, doctype, unknown entities, text outside the root).
fn parse_xml(text: &str) -> Element {
    use quick_xml::events::Event;
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    for c in text.chars() {
        let allowed = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}';
        assert!(allowed, "character {c:?} is not allowed in XML 1.0");
    }
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Decl(_) => {}
            Event::Start(e) => stack.push(start_element(&e)),
            Event::Empty(e) => {
                let element = start_element(&e);
                stack.last_mut().unwrap().children.push(element);
            }
            Event::End(_) => {
                let element = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(element);
            }
            Event::Text(t) => {
                let t = t.xml10_content().unwrap();
                stack.last_mut().unwrap().text.push_str(&t);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("valid character reference") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().unwrap();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("unknown entity &{name};"))
                            .to_string()
                    }
                };
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Event::Eof => break,
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut document = stack.pop().unwrap();
    assert!(document.text.trim().is_empty(), "text outside the root");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

/// What XML 1.0 can carry of a string: forbidden control characters become U+FFFD.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

fn concise(path: &str, o: &Outcome) -> String {
    let mut out = Vec::new();
    aether::lint::render::concise(&mut out, path, &o.text, &o.lines, &o.diagnostics).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn junit_counts_cases_failures_and_errors() {
    let r = results();
    let text = render(|o| formats::junit(o, &r, Duration::from_millis(1234)));
    let root = parse_xml(&text);
    assert_eq!(root.name, "testsuites");
    for (k, v) in [
        ("name", "aether check"),
        ("tests", "8"),
        ("failures", "4"),
        ("errors", "3"),
        ("time", "1.234"),
    ] {
        assert_eq!(root.attr(k), v, "testsuites {k}");
    }
    assert_eq!(root.children.len(), 1);
    let suite = &root.children[0];
    assert_eq!(suite.name, "testsuite");
    for (k, v) in [
        ("name", "aether check"),
        ("tests", "8"),
        ("failures", "4"),
        ("errors", "3"),
        ("skipped", "0"),
        ("time", "1.234"),
    ] {
        assert_eq!(suite.attr(k), v, "testsuite {k}");
    }
    let cases: Vec<&Element> = suite.children_named("testcase").collect();
    assert_eq!(cases.len(), r.len(), "one testcase per file");
    assert_eq!(suite.children.len(), r.len());
    for (case, (path, o)) in cases.iter().zip(&r) {
        assert_eq!(case.attr("classname"), "aether.check");
        assert_eq!(case.attr("name"), path, "the path round-trips");
        assert_eq!(case.attr("file"), path);
        let expected = match o.code {
            Code::Success => None,
            Code::IoError | Code::InternalError => Some("error"),
            _ => Some("failure"),
        };
        match expected {
            None => {
                assert!(case.children.is_empty(), "{path} passes");
            }
            Some(tag) => {
                assert_eq!(case.children.len(), 1, "{path}");
                let f = &case.children[0];
                assert_eq!(f.name, tag, "{path}");
                assert_eq!(f.attr("type"), o.code.name());
                assert_eq!(
                    f.attr("message"),
                    xml_safe(&o.first_error().unwrap().message)
                );
                assert_eq!(f.text, xml_safe(&concise(path, o)), "every diagnostic");
            }
        }
    }
}

#[test]
fn junit_escaping_round_trips() {
    let r = results();
    let root = parse_xml(&render(|o| formats::junit(o, &r, Duration::from_secs(0))));
    let case = |path: &str| -> &Element {
        root.children[0]
            .children
            .iter()
            .find(|c| c.attr("name") == path)
            .unwrap()
    };
    // `"<&>%',:` in the path and in the text of a diagnostic.
    let escape = &case(ESCAPE_PATH).children[0];
    assert!(escape.text.contains(&format!(
        "{ESCAPE_PATH}:1:23: warning[W003]: key '{ESCAPE_KEY}' appears twice in this map\n"
    )));
    // A message attribute with `<&>"'`, CR LF and a control character: the line break
    // survives attribute normalisation; the control character, which XML 1.0 cannot hold,
    // becomes U+FFFD.
    let crash = &case("d/crash.aether").children[0];
    assert_eq!(crash.name, "error");
    assert_eq!(
        crash.attr("message"),
        "internal error: boom: <&>\"' 100%\r\nsecond line\u{fffd}"
    );
    assert!(crash
        .text
        .contains("boom: <&>\"' 100%\r\nsecond line\u{fffd}"));
    // Non-ASCII text is written as is.
    let bad = &case("d/bad-utf8.aether").children[0];
    assert_eq!(
        bad.attr("message"),
        "invalid UTF-8 at byte offset 10 (line 1)"
    );
}

#[test]
fn junit_lists_warnings_of_passing_files_as_output() {
    let src = "intent: \"x\"\n";
    let r = vec![("w.aether".to_string(), check(src))];
    assert_eq!(r[0].1.code, Code::Success);
    let root = parse_xml(&render(|o| formats::junit(o, &r, Duration::ZERO)));
    assert_eq!(root.attr("failures"), "0");
    let case = &root.children[0].children[0];
    assert_eq!(case.children.len(), 1);
    assert_eq!(case.children[0].name, "system-out");
    assert_eq!(case.children[0].text, concise("w.aether", &r[0].1));
}

#[test]
fn xml_escape_rules() {
    assert_eq!(
        formats::xml_escape("a&b<c>d\"e'f", false),
        "a&amp;b&lt;c&gt;d&quot;e&apos;f"
    );
    assert_eq!(
        formats::xml_escape("\t\n\r\u{0}\u{b}\u{ffff}", false),
        "\t\n&#13;\u{fffd}\u{fffd}\u{fffd}"
    );
    assert_eq!(formats::xml_escape("\t\n\r", true), "&#9;&#10;&#13;");
}

// ---------------------------------------------------------------------------------------
// GitHub Actions

#[test]
fn github_lines_exactly() {
    let r = results();
    let text = render(|o| formats::github(o, &r));
    let expected = [
        "::error file=a/parse.aether,line=2,col=12,endLine=2,endColumn=12,title=P002 unclosed-delimiter::expected '}' to close the block opened at line 1",
        "::warning file=a/validation.aether,line=1,col=1,endLine=1,endColumn=7,title=L001 legacy-intent::'intent:' is the legacy spelling of 'goal:'",
        "::error file=a/validation.aether,line=2,col=29,endLine=2,endColumn=34,title=V005 unknown-keyword-argument::'load_logs' has no parameter 'windw'",
        "::error file=a/validation.aether,line=3,col=9,endLine=3,endColumn=18,title=V001 unknown-function::unknown function 'summarise'",
        "::error file=b/unicode.aether,line=1,col=16,endLine=1,endColumn=26,title=V001 unknown-function::unknown function 'frobnicate'",
        "::warning file=c/100%25 <&\"'%2C%3A>.aether,line=1,col=23,endLine=1,endColumn=35,title=W003 duplicate-key::key '1\"<&>%25',:' appears twice in this map",
        "::error file=c/100%25 <&\"'%2C%3A>.aether,line=2,col=1,endLine=2,endColumn=11,title=V001 unknown-function::unknown function 'frobnicate'",
        "::error file=d/bad-utf8.aether,line=1,col=11,endLine=1,endColumn=12,title=I002 invalid-utf8::invalid UTF-8 at byte offset 10 (line 1)",
        "::error file=d/crash.aether,title=X001 internal-error::internal error: boom: <&>\"' 100%25%0D%0Asecond line\u{1}",
        "::error file=d/missing.aether,title=I001 io-error::cannot read '/nonexistent-aether-formats-test/missing.aether': no such file",
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, expected);
    assert!(text.ends_with('\n'));
}

#[test]
fn github_escaping() {
    assert_eq!(
        formats::github_escape_data("100%\r\na:b,c"),
        "100%25%0D%0Aa:b,c"
    );
    assert_eq!(
        formats::github_escape_property("100%\r\na:b,c"),
        "100%25%0D%0Aa%3Ab%2Cc"
    );
}
