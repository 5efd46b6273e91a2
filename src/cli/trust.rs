//! `aether sign`, `aether keygen`, `aether verify`, `aether gates`, and strict verification
//! of a single script before it is checked or run.

use aether::bulk::{gates, verify};
use aether::lint::check::Settings;
use aether::syntax::diagnostic::{rules, Diagnostic};
use aether::syntax::span::Span;
use aether::trust::keys::{self, KeyRing, Revocations};
use aether::trust::sign::{self, Secret, SignWith, Trust, Verdict, STRICT_ENV};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SignArgs {
    /// The scripts to sign (an existing signature line is replaced).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Sign with this Ed25519 private key (from `aether keygen`) instead of the HMAC secret.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// The key pair's name: writes NAME.key (private, mode 0600) and NAME.pub.
    #[arg(long, default_value = "aether-signing")]
    pub name: String,
    /// The directory to write them in.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(clap::Args)]
pub struct TrustArgs {
    /// A directory of trusted Ed25519 public keys (`*.pub`).
    #[arg(long, value_name = "DIR")]
    pub trusted_keys: Option<PathBuf>,
    /// A revocation list: key ids or signature digests, one a line.
    #[arg(long, value_name = "FILE")]
    pub revoked: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Unsigned scripts fail too (also AETHERRA_SCRIPT_VERIFY_STRICT=1).
    #[arg(long)]
    pub strict: bool,
    #[arg(long, default_value = "aether_static_report.md")]
    pub output: PathBuf,
    /// A file scoring above this fails.
    #[arg(long, default_value_t = 5)]
    pub risk_threshold: u32,
    /// Any finding fails.
    #[arg(long)]
    pub fail_on_any_risk: bool,
    /// Skip files matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[arg(long, default_value_t = 50)]
    pub max_findings_per_file: usize,
    #[command(flatten)]
    pub trust: TrustArgs,
}

#[derive(clap::Args)]
pub struct GatesArgs {
    /// Run every gate (the default).
    #[arg(long, conflicts_with = "gates")]
    pub all: bool,
    /// Run only these gates.
    #[arg(long, num_args = 1.., value_name = "NAME")]
    pub gates: Vec<String>,
    /// A manual gate that is not validated fails.
    #[arg(long)]
    pub strict_manual: bool,
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The reference parse baseline (default ROOT/.aetherra/reference_baseline.json).
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// The review flag file (default ROOT/.aetherra/release_review).
    #[arg(long, value_name = "FILE")]
    pub review_flag: Option<PathBuf>,
    #[arg(long, default_value_t = 5)]
    pub risk_threshold: u32,
    #[arg(long, default_value = "gate_results.json")]
    pub output: PathBuf,
    #[arg(long, default_value = "gate_sign_off.md")]
    pub sign_off: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

pub fn strict_from_env() -> bool {
    std::env::var(STRICT_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

fn load_trust(args: &TrustArgs) -> Result<Trust, String> {
    let keys = match &args.trusted_keys {
        Some(dir) => KeyRing::load_dir(dir).map_err(|e| e.to_string())?,
        None => KeyRing::default(),
    };
    let revoked = match &args.revoked {
        Some(f) => Revocations::load(f).map_err(|e| e.to_string())?,
        None => Revocations::default(),
    };
    Ok(Trust {
        secret: Secret::from_env(),
        keys,
        revoked,
    })
}

pub fn cmd_keygen(args: &KeygenArgs) -> ExitCode {
    let key = keys::generate();
    match keys::write_pair(&args.dir, &args.name, &key) {
        Ok((private, public)) => {
            println!(
                "wrote {} (private, mode 0600) and {}; key id {}",
                private.display(),
                public.display(),
                keys::key_id(&key.verifying_key())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

pub fn cmd_sign(args: &SignArgs) -> ExitCode {
    let ed_key = match &args.key {
        Some(p) => match keys::read_signing_key(p) {
            Ok(k) => Some(k),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let secret = match &ed_key {
        Some(_) => None,
        None => match Secret::from_env() {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let how = match (&ed_key, &secret) {
        (Some(k), _) => SignWith::Ed25519(k),
        (None, Some(s)) => SignWith::Hmac(s),
        (None, None) => return ExitCode::from(2),
    };
    if secret.as_ref().is_some_and(|s| s.development) {
        eprintln!("note: signing with the development secret (AETHERRA_PROFILE is test or dev)");
    }
    let mut failed = false;
    for file in &args.files {
        let text = match std::fs::read(file).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                eprintln!("error: {}: not valid UTF-8", file.display());
                failed = true;
                continue;
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                failed = true;
                continue;
            }
        };
        let signed = sign::sign_text(&text, &how);
        if let Err(e) = aether::bulk::artifact::write_atomic(file, signed.as_bytes()) {
            eprintln!("error: {e}");
            failed = true;
            continue;
        }
        let digest = match sign::split(&signed).header {
            sign::Header::Ed25519 { signature, .. } => sign::signature_digest(&signature),
            sign::Header::Hmac(mac) => sign::signature_digest(&mac),
            _ => String::new(),
        };
        println!("signed {} (digest {digest})", file.display());
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn cmd_verify(args: &VerifyArgs) -> ExitCode {
    let trust = match load_trust(&args.trust) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cfg = verify::Config {
        root: args.root.clone(),
        strict: args.strict || strict_from_env(),
        risk_threshold: args.risk_threshold,
        fail_on_any_risk: args.fail_on_any_risk,
        exclude: args.exclude.clone(),
        max_findings_per_file: args.max_findings_per_file,
    };
    let report = match verify::run(&cfg, &trust) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if report.needs_secret() {
        eprintln!(
            "error: HMAC-signed scripts cannot be verified: {}",
            sign::NoSecret
        );
        return ExitCode::from(2);
    }
    if let Err(e) = aether::bulk::artifact::write_atomic(&args.output, report.markdown().as_bytes())
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    for f in report.signature_failures() {
        println!("FAIL {}: {}", f.path, f.verdict.reason());
    }
    for f in report.risky() {
        println!("RISK {}: score {}", f.path, f.score);
    }
    println!(
        "verified {}: {}, {} risky; report {}",
        aether::bulk::plural(report.files.len(), "file"),
        aether::bulk::plural(report.signature_failures().count(), "signature failure"),
        report.risky().count(),
        args.output.display()
    );
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn cmd_gates(args: &GatesArgs, settings: &Settings) -> ExitCode {
    for g in &args.gates {
        if !gates::GATES.contains(&g.as_str()) {
            eprintln!(
                "error: unknown gate `{g}`; the gates are {}",
                gates::GATES.join(", ")
            );
            return ExitCode::from(2);
        }
    }
    let trust = match load_trust(&args.trust) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let selected = if args.gates.is_empty() {
        gates::GATES.iter().map(|s| s.to_string()).collect()
    } else {
        args.gates.clone()
    };
    let dot = args.root.join(".aetherra");
    let cfg = gates::Config {
        root: args.root.clone(),
        gates: selected,
        strict_manual: args.strict_manual,
        reference_baseline: args
            .reference
            .clone()
            .unwrap_or_else(|| dot.join("reference_baseline.json")),
        review_flag: args
            .review_flag
            .clone()
            .unwrap_or_else(|| dot.join("release_review")),
        risk_threshold: args.risk_threshold,
        gate: Default::default(),
        profile: std::env::var(sign::PROFILE_ENV).unwrap_or_else(|_| "default".into()),
    };
    let results = gates::run(&cfg, settings, &trust);
    if let Err(e) = aether::bulk::artifact::write_json_atomic(&args.output, &results.json())
        .and_then(|()| {
            aether::bulk::artifact::write_atomic(&args.sign_off, results.sign_off().as_bytes())
        })
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    for g in &results.gates {
        let mark = if !g.ok {
            "FAIL"
        } else if g.details.get("manual_followup") == Some(&serde_json::Value::Bool(true)) {
            "MANUAL"
        } else {
            "ok"
        };
        println!("{mark:<6} {:<20} {}", g.name, g.summary);
    }
    if results.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Strict verification of one script before it is checked or run: `None` when it passes
/// (or strict mode is off); a diagnostic for SIGNATURE_ERROR; `Err` when the secret is
/// missing (a usage error).
pub fn strict_diagnostic(file: &Path, strict: bool) -> Result<Option<Diagnostic>, String> {
    if !(strict || strict_from_env()) {
        return Ok(None);
    }
    // Unreadable files are reported by the check itself (IO outranks SIGNATURE).
    let Ok(Ok(text)) = std::fs::read(file).map(String::from_utf8) else {
        return Ok(None);
    };
    let trust = Trust {
        secret: Secret::from_env(),
        keys: KeyRing::default(),
        revoked: Revocations::default(),
    };
    let verdict = trust.verify_text(&text);
    let rule = match &verdict {
        Verdict::Valid { .. } => return Ok(None),
        Verdict::NoSecret => return Err(sign::NoSecret.to_string()),
        Verdict::Unsigned => &rules::UNSIGNED_SCRIPT,
        Verdict::Malformed(_) => &rules::MALFORMED_SIGNATURE,
        _ => &rules::BAD_SIGNATURE,
    };
    let end = text.find('\n').unwrap_or(text.len()).min(text.len());
    let span = if matches!(verdict, Verdict::Unsigned) {
        Span::empty(0)
    } else {
        Span::new(0, end)
    };
    Ok(Some(Diagnostic::new(rule, span, verdict.reason())))
}
