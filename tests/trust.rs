//! Signing, verification, strict mode, static risk and the release gates, through the real
//! binary (and the library where the data is the point).

use aether::trust::keys::{generate, KeyRing, Revocations};
use aether::trust::sign::{self, Secret, SignWith, Trust, Verdict};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_aether");

fn aether(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .args(args)
        .env_remove(sign::SECRET_ENV)
        .env_remove(sign::PROFILE_ENV)
        .env_remove(sign::STRICT_ENV);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("runs")
}

fn dev_trust() -> Trust {
    Trust {
        secret: Secret::from_values(None, Some("test")),
        keys: KeyRing::default(),
        revoked: Revocations::default(),
    }
}

const BODY: &str = "goal: \"Summarize logs\"\nreflect()\n";

#[test]
fn reference_vector_header_verifies_and_one_byte_change_fails() {
    let trust = dev_trust();
    let signed = format!(
        "# @signature: 2998078a6429a244e05c3c411f174ea2ab9e58cbe9d87d3a7e1bc54261d66873\n{BODY}"
    );
    assert_eq!(trust.verify_text(&signed), Verdict::Valid { key: None });
    // Every single-byte change of the body fails.
    let header_len = signed.find('\n').unwrap() + 1;
    for i in header_len..signed.len() {
        let mut bytes = signed.clone().into_bytes();
        bytes[i] = if bytes[i] == b'x' { b'y' } else { b'x' };
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(trust.verify_text(&text), Verdict::Mismatch, "byte {i}");
    }
    // Header removed: unsigned. CRLF signs like LF.
    assert_eq!(trust.verify_text(BODY), Verdict::Unsigned);
    let crlf = signed.replace('\n', "\r\n");
    assert_eq!(trust.verify_text(&crlf), Verdict::Valid { key: None });
    // Another secret: mismatch.
    let other = Trust {
        secret: Secret::from_values(Some("another"), None),
        ..dev_trust()
    };
    assert_eq!(other.verify_text(&signed), Verdict::Mismatch);
}

#[test]
fn signing_keeps_bom_line_endings_and_final_newline() {
    let s = Secret::from_values(None, Some("dev")).unwrap();
    for text in [
        "\u{feff}goal: \"x\"\r\nreflect()\r\n",
        "goal: \"x\"\nreflect()",
        "",
    ] {
        let signed = sign::sign_text(text, &SignWith::Hmac(&s));
        let parts = sign::split(&signed);
        let original = sign::split(text);
        assert_eq!(parts.body, original.body, "body kept byte for byte");
        assert_eq!(parts.bom, original.bom);
        assert!(dev_trust().verify_text(&signed).is_valid());
        // Signing again replaces the header, it does not stack one.
        assert_eq!(sign::sign_text(&signed, &SignWith::Hmac(&s)), signed);
    }
    let crlf = sign::sign_text("a()\r\nb()\r\n", &SignWith::Hmac(&s));
    assert!(crlf
        .split_once("\r\n")
        .unwrap()
        .0
        .starts_with("# @signature: "));
}

#[test]
fn ed25519_round_trip_trust_and_revocation() {
    let key = generate();
    let signed = sign::sign_text(BODY, &SignWith::Ed25519(&key));
    let id = aether::trust::keys::key_id(&key.verifying_key());
    assert!(signed.starts_with(&format!("# @signature: ed25519:{id}:")));
    let mut trust = dev_trust();
    assert_eq!(
        trust.verify_text(&signed),
        Verdict::UntrustedKey(id.clone())
    );
    trust.keys.insert(key.verifying_key());
    assert_eq!(
        trust.verify_text(&signed),
        Verdict::Valid {
            key: Some(id.clone())
        }
    );
    assert_eq!(
        trust.verify_text(&signed.replace("reflect", "reflekt")),
        Verdict::Mismatch
    );
    // Revoked by key id, or by the signature's digest.
    trust.revoked = Revocations::parse(&format!("# compromised laptop\n{id}  # 2026-12\n"));
    assert!(matches!(trust.verify_text(&signed), Verdict::Revoked(_)));
    let sig = match sign::split(&signed).header {
        sign::Header::Ed25519 { signature, .. } => signature,
        h => panic!("{h:?}"),
    };
    trust.revoked = Revocations::parse(&sign::signature_digest(&sig));
    assert!(matches!(trust.verify_text(&signed), Verdict::Revoked(_)));
}

#[test]
fn missing_secret_is_exit_2_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.aether"), BODY).unwrap();
    let out = aether(dir.path(), &["sign", "a.aether"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(sign::SECRET_ENV));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.aether")).unwrap(),
        BODY
    );
    let out = aether(
        dir.path(),
        &["sign", "a.aether"],
        &[
            (sign::SECRET_ENV, "s3cr3t-value"),
            (sign::PROFILE_ENV, "prod"),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("s3cr3t-value"));
}

#[test]
fn keygen_private_key_is_0600_and_sign_verify_with_trusted_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(aether(d, &["keygen", "--name", "rel"], &[])
        .status
        .success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("rel.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Keygen never replaces a key.
    assert_eq!(
        aether(d, &["keygen", "--name", "rel"], &[]).status.code(),
        Some(2)
    );
    let private = std::fs::read_to_string(d.join("rel.key")).unwrap();
    let seed = private.split_whitespace().nth(1).unwrap().to_string();
    std::fs::create_dir(d.join("wf")).unwrap();
    std::fs::write(d.join("wf/a.aether"), BODY).unwrap();
    let out = aether(d, &["sign", "--key", "rel.key", "wf/a.aether"], &[]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&seed));
    std::fs::create_dir(d.join("trusted")).unwrap();
    std::fs::copy(d.join("rel.pub"), d.join("trusted/rel.pub")).unwrap();
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--root", "wf", "--strict", "--output", "r.md"];
        args.extend_from_slice(extra);
        aether(d, &args, &[])
    };
    assert_eq!(verify(&[]).status.code(), Some(1), "no trusted keys");
    assert_eq!(
        verify(&["--trusted-keys", "trusted"]).status.code(),
        Some(0)
    );
    let report = std::fs::read_to_string(d.join("r.md")).unwrap();
    assert!(report.contains("## Signature Verification (strict)"));
    assert!(report.contains("- a.aether: OK"));
    assert!(!report.contains(&seed));
    let id = report.lines().count(); // the report exists and has lines
    assert!(id > 3);
    let pubkey = std::fs::read_to_string(d.join("rel.pub")).unwrap();
    let vk = aether::trust::keys::read_public_key(&d.join("rel.pub")).unwrap();
    std::fs::write(
        d.join("revoked.txt"),
        aether::trust::keys::key_id(&vk) + "\n",
    )
    .unwrap();
    assert!(!pubkey.is_empty());
    let out = verify(&["--trusted-keys", "trusted", "--revoked", "revoked.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("revoked"));
}

#[test]
fn strict_mode_codes_for_check_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("u.aether"), BODY).unwrap();
    let env = [(sign::PROFILE_ENV, "test")];
    let status = |args: &[&str], envs: &[(&str, &str)]| {
        let out = aether(d, args, envs);
        let line = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        (out.status.code(), v["code"].as_i64(), v)
    };
    // Not strict: an unsigned file checks clean.
    let (rc, code, _) = status(&["u.aether", "--check", "--json-status"], &env);
    assert_eq!((rc, code), (Some(0), Some(0)));
    // Strict by flag or by environment: SIGNATURE_ERROR, and nothing runs.
    let (rc, code, v) = status(&["u.aether", "--check", "--strict", "--json-status"], &env);
    assert_eq!((rc, code), (Some(1), Some(22)));
    assert_eq!(v["code_name"], "SIGNATURE_ERROR");
    std::fs::write(d.join("p.aether"), "print(\"RAN\")\n").unwrap();
    let strict_env = [(sign::PROFILE_ENV, "test"), (sign::STRICT_ENV, "1")];
    let out = aether(
        d,
        &["p.aether", "--json-status", "--memory", ":memory:"],
        &strict_env,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("RAN"), "{stdout}");
    assert!(stdout.contains("\"code\":22"));
    // Signed, it runs; tampered, it does not.
    assert!(aether(d, &["sign", "p.aether"], &env).status.success());
    let out = aether(d, &["p.aether", "--memory", ":memory:"], &strict_env);
    assert!(String::from_utf8_lossy(&out.stdout).contains("RAN"));
    let text = std::fs::read_to_string(d.join("p.aether")).unwrap();
    std::fs::write(d.join("p.aether"), text.replace("RAN", "RUN")).unwrap();
    let (rc, code, _) = status(
        &["p.aether", "--json-status", "--memory", ":memory:"],
        &strict_env,
    );
    assert_eq!((rc, code), (Some(1), Some(22)));
    // A parse error outranks the signature.
    std::fs::write(d.join("bad.aether"), "foo(\n").unwrap();
    let (_, code, _) = status(
        &["bad.aether", "--check", "--strict", "--json-status"],
        &env,
    );
    assert_eq!(code, Some(20));
    // A malformed header is a diagnostic, not a crash.
    std::fs::write(d.join("m.aether"), "# @signature: ÄÖ\nreflect()\n").unwrap();
    let (rc, code, v) = status(&["m.aether", "--check", "--strict", "--json-status"], &env);
    assert_eq!((rc, code), (Some(1), Some(22)));
    assert!(v["message"].as_str().unwrap().contains("malformed"));
}

#[test]
fn risk_findings_of_the_corpus_file() {
    let src = std::fs::read_to_string("corpus/trust/risky.aether").unwrap();
    let parsed = aether::syntax::parse(&src);
    let found: Vec<(usize, &str)> = aether::trust::risk::analyse(&parsed)
        .iter()
        .map(|f| (f.line, f.kind.name()))
        .collect();
    // Line 2 is a comment naming eval, os.system and curl: not a finding.
    assert_eq!(
        found,
        vec![
            (3, "dynamic-eval"),
            (4, "shell-exec"),
            (5, "network-call"),
            (6, "file-write"),
            (7, "file-write"),
        ]
    );
    assert_eq!(
        aether::trust::risk::score(&aether::trust::risk::analyse(&parsed)),
        15
    );
}

#[test]
fn verify_exit_rules_threshold_and_any_risk() {
    let d = Path::new(".");
    let run = |extra: &[&str]| {
        let out_file = tempfile::NamedTempFile::new().unwrap();
        let path = out_file.path().to_string_lossy().to_string();
        let mut args = vec!["verify", "--root", "corpus/trust", "--output", &path];
        args.extend_from_slice(extra);
        let out = aether(d, &args, &[]);
        (
            out.status.code(),
            std::fs::read_to_string(out_file.path()).unwrap(),
        )
    };
    let (rc, report) = run(&[]);
    assert_eq!(rc, Some(1), "risky.aether scores 15 > 5");
    assert!(report.contains("- L4: [shell-exec] os.system(\"ls\")"));
    assert!(report.contains("1. risky.aether: 15"));
    assert_eq!(run(&["--risk-threshold", "15"]).0, Some(0));
    assert_eq!(
        run(&["--risk-threshold", "15", "--fail-on-any-risk"]).0,
        Some(1)
    );
    assert_eq!(
        run(&["--exclude", "risky.aether", "--fail-on-any-risk"]).0,
        Some(0)
    );
    let (_, capped) = run(&["--max-findings-per-file", "2"]);
    assert!(capped.contains("- ... and 3 more"));
}

#[test]
fn gates_write_the_seed_schema_and_manual_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("wf/.aetherra")).unwrap();
    std::fs::write(d.join("wf/a.aether"), BODY).unwrap();
    let env = [(sign::PROFILE_ENV, "test")];
    // The reference baseline is the current one.
    assert!(aether(
        d,
        &[
            "baseline",
            "--root",
            "wf",
            "--output",
            "wf/.aetherra/reference_baseline.json"
        ],
        &[]
    )
    .status
    .success());
    assert!(aether(d, &["sign", "wf/a.aether"], &env).status.success());
    let out = aether(d, &["gates", "--all", "--root", "wf"], &env);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("gate_results.json")).unwrap())
            .unwrap();
    assert_eq!(v["_meta"]["profile"], "test");
    assert!(v["_meta"]["ts"].as_f64().unwrap() > 1.0e9);
    assert_eq!(v["_meta"]["all_passed"], true);
    for g in aether::bulk::gates::GATES {
        let gate = &v[g];
        assert!(
            gate["ok"].is_boolean() && gate["manual"].is_boolean(),
            "{g}"
        );
        assert!(
            gate["duration_sec"].is_number() && gate["details"].is_object(),
            "{g}"
        );
    }
    assert_eq!(v["manual_review"]["manual"], true);
    assert_eq!(v["manual_review"]["details"]["manual_followup"], true);
    let md = std::fs::read_to_string(d.join("gate_sign_off.md")).unwrap();
    assert!(md.contains("| manual_review | 🔧 |"));
    // Strict manual: the un-reviewed gate fails the run.
    let out = aether(
        d,
        &[
            "gates",
            "--gates",
            "manual_review",
            "--strict-manual",
            "--root",
            "wf",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(
        d.join("wf/.aetherra/release_review"),
        "reviewed by ana, 2026-12-05\n",
    )
    .unwrap();
    let out = aether(
        d,
        &[
            "gates",
            "--gates",
            "manual_review",
            "--strict-manual",
            "--root",
            "wf",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(0));
    // An unsigned workflow fails the mandatory signature gate.
    std::fs::write(d.join("wf/b.aether"), BODY).unwrap();
    let out = aether(
        d,
        &["gates", "--gates", "strict_signatures", "--root", "wf"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("gate_results.json")).unwrap())
            .unwrap();
    assert_eq!(v["_meta"]["all_passed"], false);
    assert_eq!(v["strict_signatures"]["ok"], false);
    assert_eq!(
        aether(d, &["gates", "--gates", "nope"], &env).status.code(),
        Some(2)
    );
    // Without a reference, the gate says how to make one, and that command works.
    std::fs::create_dir(d.join("fresh")).unwrap();
    std::fs::write(d.join("fresh/a.aether"), BODY).unwrap();
    let gate = |envs: &[(&str, &str)]| {
        let out = aether(
            d,
            &["gates", "--gates", "baseline_regression", "--root", "fresh"],
            envs,
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (rc, stdout) = gate(&env);
    assert_eq!(rc, Some(1));
    let hint = stdout
        .split_once("(make one with `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(cmd, _)| cmd.to_string())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        hint.starts_with("mkdir -p fresh/.aetherra && aether baseline --root fresh "),
        "{hint}"
    );
    let bin_dir = Path::new(BIN).parent().unwrap().display().to_string();
    let made = Command::new("sh")
        .args(["-c", &hint])
        .current_dir(d)
        .env(
            "PATH",
            format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default()),
        )
        .status()
        .unwrap();
    assert!(made.success());
    assert_eq!(gate(&env).0, Some(0));
}

/// A project whose `aether.toml` says what is trusted: `wf/a.aether` signed with the key
/// `rel`, whose public half is in `trusted/`; `empty/` trusts nothing.
fn project_with_a_signed_workflow(d: &Path) -> String {
    assert!(
        aether(d, &["keygen", "--name", "rel", "--dir", "keys"], &[])
            .status
            .success()
    );
    for dir in ["wf", "trusted", "empty"] {
        std::fs::create_dir(d.join(dir)).unwrap();
    }
    std::fs::copy(d.join("keys/rel.pub"), d.join("trusted/rel.pub")).unwrap();
    std::fs::write(d.join("wf/a.aether"), BODY).unwrap();
    assert!(
        aether(d, &["sign", "--key", "keys/rel.key", "wf/a.aether"], &[])
            .status
            .success()
    );
    let vk = aether::trust::keys::read_public_key(&d.join("keys/rel.pub")).unwrap();
    aether::trust::keys::key_id(&vk)
}

/// `(exit status, structured code, message)` of `aether FILE --check --json-status ...`.
fn check_status(d: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, i64, String) {
    let mut all = args.to_vec();
    all.extend(["--check", "--json-status"]);
    let out = aether(d, &all, envs);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code(),
        v["code"].as_i64().unwrap(),
        v["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn trust_config_makes_single_files_strict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("aether.toml"), "[trust]\nstrict = true\n").unwrap();
    std::fs::write(d.join("u.aether"), BODY).unwrap();
    std::fs::write(d.join("p.aether"), "print(\"RAN\")\n").unwrap();
    // No flag, no environment: the configuration alone fails the unsigned file.
    assert_eq!(check_status(d, &["u.aether"], &[]).1, 22);
    let out = aether(
        d,
        &["p.aether", "--json-status", "--memory", ":memory:"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("RAN") && stdout.contains("\"code\":22"),
        "{stdout}"
    );
    // Strictness is a union: the environment cannot lift what the project asks for.
    let off = [(sign::STRICT_ENV, "0")];
    assert_eq!(check_status(d, &["u.aether"], &off).1, 22);
    assert_eq!(check_status(d, &["u.aether", "--strict"], &off).1, 22);
    std::fs::write(d.join("aether.toml"), "[trust]\nstrict = false\n").unwrap();
    assert_eq!(check_status(d, &["u.aether"], &[]).1, 0);
    assert_eq!(
        check_status(d, &["u.aether"], &[(sign::STRICT_ENV, "1")]).1,
        22
    );
    // `--isolated` ignores the file, and with it `[trust]`.
    std::fs::write(d.join("aether.toml"), "[trust]\nstrict = true\n").unwrap();
    assert_eq!(check_status(d, &["u.aether", "--isolated"], &[]).1, 0);
}

#[test]
fn trust_config_trusted_keys_and_revocations_for_single_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = project_with_a_signed_workflow(d);
    // Strict without trusted keys: the Ed25519 signature cannot be accepted.
    std::fs::write(d.join("aether.toml"), "[trust]\nstrict = true\n").unwrap();
    let (rc, code, message) = check_status(d, &["wf/a.aether"], &[]);
    assert_eq!((rc, code), (Some(1), 22));
    assert!(message.contains("not trusted"), "{message}");
    // With the configured directory (relative to aether.toml, wherever the command runs),
    // it passes `--check --strict` and runs.
    std::fs::write(
        d.join("aether.toml"),
        "[trust]\ntrusted-keys = \"trusted\"\n",
    )
    .unwrap();
    assert_eq!(
        check_status(d, &["wf/a.aether", "--strict"], &[]),
        (Some(0), 0, "parse ok".into())
    );
    assert_eq!(
        check_status(&d.join("wf"), &["a.aether", "--strict"], &[]).1,
        0
    );
    let out = aether(d, &["wf/a.aether", "--strict", "--memory", ":memory:"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // One byte changed: a mismatch, whoever signed it.
    let signed = std::fs::read_to_string(d.join("wf/a.aether")).unwrap();
    std::fs::write(d.join("wf/b.aether"), signed.replace("logs", "Logs")).unwrap();
    let (_, code, message) = check_status(d, &["wf/b.aether", "--strict"], &[]);
    assert_eq!(code, 22);
    assert!(message.contains("mismatch"), "{message}");
    // A key revoked in the configured list fails.
    std::fs::write(d.join("revoked.txt"), format!("{id}  # lost laptop\n")).unwrap();
    std::fs::write(
        d.join("aether.toml"),
        "[trust]\ntrusted-keys = \"trusted\"\nrevoked = \"revoked.txt\"\nstrict = true\n",
    )
    .unwrap();
    let (rc, code, message) = check_status(d, &["wf/a.aether"], &[]);
    assert_eq!((rc, code), (Some(1), 22));
    assert!(
        message.contains(&format!("revoked (key {id})")),
        "{message}"
    );
    // A trusted-keys directory holding something that is not a key is a usage error.
    std::fs::write(d.join("trusted/bad.pub"), "not a key\n").unwrap();
    let out = aether(d, &["wf/a.aether", "--check"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.pub: not a key file"));
}

#[test]
fn trust_config_for_verify_and_gates_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = project_with_a_signed_workflow(d);
    std::fs::write(d.join("revoked.txt"), format!("{id}\n")).unwrap();
    std::fs::write(d.join("nothing-revoked.txt"), "# none\n").unwrap();
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--root", "wf", "--output", "r.md"];
        args.extend_from_slice(extra);
        let out = aether(d, &args, &[]);
        let report = std::fs::read_to_string(d.join("r.md")).unwrap_or_default();
        (out.status.code(), report)
    };
    std::fs::write(
        d.join("aether.toml"),
        "[trust]\ntrusted-keys = \"trusted\"\nstrict = true\n",
    )
    .unwrap();
    let (rc, report) = verify(&[]);
    assert_eq!(rc, Some(0), "{report}");
    assert!(report.contains("## Signature Verification (strict)"));
    assert!(report.contains("- a.aether: OK"));
    // The flag overrides the configured directory.
    assert_eq!(verify(&["--trusted-keys", "empty"]).0, Some(1));
    // `strict = true` makes an unsigned file fail verify; the environment cannot lift it.
    std::fs::write(d.join("wf/u.aether"), BODY).unwrap();
    assert_eq!(verify(&[]).0, Some(1));
    let out = aether(
        d,
        &["verify", "--root", "wf", "--output", "r.md"],
        &[(sign::STRICT_ENV, "0")],
    );
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_file(d.join("wf/u.aether")).unwrap();
    // A configured revocation list fails the key; `--revoked` replaces the list.
    std::fs::write(
        d.join("aether.toml"),
        "[trust]\ntrusted-keys = \"trusted\"\nrevoked = \"revoked.txt\"\n",
    )
    .unwrap();
    let (rc, report) = verify(&[]);
    assert_eq!(rc, Some(1));
    assert!(report.contains(&format!("revoked (key {id})")), "{report}");
    assert_eq!(verify(&["--revoked", "nothing-revoked.txt"]).0, Some(0));
    // `--isolated` ignores the file: nothing is trusted.
    assert_eq!(verify(&["--isolated"]).0, Some(1));

    // The signature gate takes its keys and revocations from the configuration too.
    let gate = |extra: &[&str]| {
        let mut args = vec!["gates", "--gates", "strict_signatures", "--root", "wf"];
        args.extend_from_slice(extra);
        aether(d, &args, &[]).status.code()
    };
    assert_eq!(gate(&[]), Some(1), "revoked by the configured list");
    assert_eq!(gate(&["--revoked", "nothing-revoked.txt"]), Some(0));
    std::fs::write(
        d.join("aether.toml"),
        "[trust]\ntrusted-keys = \"trusted\"\n",
    )
    .unwrap();
    assert_eq!(gate(&[]), Some(0));
    assert_eq!(gate(&["--trusted-keys", "empty"]), Some(1));
}

#[test]
fn bad_trust_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("wf")).unwrap();
    std::fs::write(d.join("wf/a.aether"), BODY).unwrap();
    for (toml, want) in [
        (
            "[trust]\nstrict = \"yes\"\n",
            "aether.toml:2:10: invalid type",
        ),
        (
            "[trust]\ntrusted_keys = \"keys\"\n",
            "aether.toml:2:1: unknown field `trusted_keys`",
        ),
        (
            "[trust]\ntrusted-keys = \"no/such/dir\"\n",
            "aether.toml:2:16: `[trust] trusted-keys` `no/such/dir` is not a directory",
        ),
        (
            "[trust]\nrevoked = \"missing.txt\"\n",
            "aether.toml:2:11: `[trust] revoked` `missing.txt` is not a file",
        ),
    ] {
        std::fs::write(d.join("aether.toml"), toml).unwrap();
        for args in [
            &["wf/a.aether", "--check"][..],
            &["wf/a.aether", "--memory", ":memory:"],
            &["verify", "--root", "wf", "--output", "r.md"],
            &["gates", "--gates", "strict_signatures", "--root", "wf"],
        ] {
            let out = aether(d, args, &[]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{toml} {args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("aether: error: {want}")),
                "{toml} {args:?}: {stderr}"
            );
        }
    }
    assert!(!d.join("r.md").exists() && !d.join("gate_results.json").exists());
}

#[test]
fn classify_reports_signature_verified_and_risk_score() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = project_with_a_signed_workflow(d);
    let env = [(sign::PROFILE_ENV, "test")];
    std::fs::write(
        d.join("aether.toml"),
        "[host]\nfunctions = [\"fetch\"]\n[trust]\ntrusted-keys = \"trusted\"\n",
    )
    .unwrap();
    std::fs::write(d.join("wf/hmac.aether"), BODY).unwrap();
    assert!(aether(d, &["sign", "wf/hmac.aether"], &env)
        .status
        .success());
    std::fs::write(
        d.join("wf/risky.aether"),
        "page = fetch(\"https://example.com\")\nprint(page)\n",
    )
    .unwrap();
    let signed = std::fs::read_to_string(d.join("wf/hmac.aether")).unwrap();
    std::fs::write(d.join("wf/tampered.aether"), signed.replace("logs", "Logs")).unwrap();
    let classify = |envs: &[(&str, &str)]| {
        let out = aether(
            d,
            &["classify", "--root", "wf", "--history-dir", "hist"],
            envs,
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("workflow_failures.json")).unwrap(),
        )
        .unwrap();
        v["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["path"].as_str().unwrap().to_string(),
                    w["signature_verified"].clone(),
                    w["risk_score"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    use serde_json::json;
    let row = |p: &str, sig: serde_json::Value, risk: u32| (p.to_string(), sig, json!(risk));
    assert_eq!(
        classify(&env),
        vec![
            row("a.aether", json!(true), 0),
            row("hmac.aether", json!(true), 0),
            row("risky.aether", json!(false), 2),
            row("tampered.aether", json!(false), 0),
        ]
    );
    // No secret: HMAC signatures cannot be judged; a revoked key fails.
    std::fs::write(d.join("revoked.txt"), format!("{id}\n")).unwrap();
    std::fs::write(
        d.join("aether.toml"),
        "[trust]\ntrusted-keys = \"trusted\"\nrevoked = \"revoked.txt\"\n",
    )
    .unwrap();
    let rows = classify(&[]);
    assert_eq!(rows[0].1, json!(false));
    assert_eq!(rows[1].1, serde_json::Value::Null);
    assert_eq!(rows[3].1, serde_json::Value::Null);
}
