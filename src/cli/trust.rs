//! `aether sign`, `aether keygen`, `aether verify`, `aether gates`, and strict verification
//! of a single script before it is checked or run.

use aether::bulk::{gates, verify};
use aether::lint::check::Settings;
use aether::project::config::TrustSettings;
use aether::syntax::diagnostic::{rules, Diagnostic};
use aether::syntax::span::Span;
use aether::trust::keys;
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
    /// The directory to write them in (made if missing).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(clap::Args, Default)]
pub struct TrustArgs {
    /// A directory of trusted Ed25519 public keys (`*.pub`); overrides `trusted-keys` under
    /// `[trust]` in aether.toml.
    #[arg(long, value_name = "DIR")]
    pub trusted_keys: Option<PathBuf>,
    /// A revocation list: key ids or signature digests, one a line; overrides `revoked`
    /// under `[trust]` in aether.toml.
    #[arg(long, value_name = "FILE")]
    pub revoked: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The directory to scan.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Unsigned scripts fail too (also AETHERRA_SCRIPT_VERIFY_STRICT=1, or `strict = true`
    /// under `[trust]` in aether.toml).
    #[arg(long)]
    pub strict: bool,
    /// The Markdown report.
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
    /// The report lists at most this many findings of a file (its score counts them all).
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
    /// The directory of the workflows.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The reference parse baseline (default ROOT/.aetherra/reference_baseline.json).
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// The review flag file (default ROOT/.aetherra/release_review).
    #[arg(long, value_name = "FILE")]
    pub review_flag: Option<PathBuf>,
    /// A file scoring above this fails the risk gate.
    #[arg(long, default_value_t = 5)]
    pub risk_threshold: u32,
    /// The JSON results.
    #[arg(long, default_value = "gate_results.json")]
    pub output: PathBuf,
    /// The Markdown sign-off sheet.
    #[arg(long, default_value = "gate_sign_off.md")]
    pub sign_off: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Whether `AETHERRA_SCRIPT_VERIFY_STRICT` asks for strict mode (`1` or `true`).
pub fn strict_from_env() -> bool {
    std::env::var(STRICT_ENV).is_ok_and(|v| {
        let v = v.trim();
        v == "1" || v.eq_ignore_ascii_case("true")
    })
}

/// What one command trusts. The keys and the revocation list come from their flag, else from
/// `[trust]` of the project's `aether.toml`, else none. Strictness is the union of the flag,
/// `AETHERRA_SCRIPT_VERIFY_STRICT` and `[trust] strict`: a project that asks for signed
/// scripts cannot be made lenient by a variable in someone's environment.
struct Policy {
    trusted_keys: Option<PathBuf>,
    revoked: Option<PathBuf>,
    strict: bool,
}

impl Policy {
    fn resolve(flags: &TrustArgs, strict_flag: bool, config: Option<&TrustSettings>) -> Policy {
        let config = config.cloned().unwrap_or_default();
        Policy {
            trusted_keys: flags.trusted_keys.clone().or(config.trusted_keys),
            revoked: flags.revoked.clone().or(config.revoked),
            strict: strict_flag || strict_from_env() || config.strict.unwrap_or(false),
        }
    }

    fn load(&self) -> Result<Trust, String> {
        Trust::load(self.trusted_keys.as_deref(), self.revoked.as_deref())
            .map_err(|e| e.to_string())
    }
}

/// The policy of a command that treats the tree under `root` as one project: the flags over
/// `[trust]` of the configuration that applies to `root`. A broken configuration is reported
/// here (exit 2).
fn tree_policy(
    root: &Path,
    flags: &TrustArgs,
    strict_flag: bool,
    settings: &Settings,
) -> Result<(Policy, Trust), ExitCode> {
    let config = settings.config_for_dir(root).map_err(|e| {
        eprintln!("aether: error: {e}");
        ExitCode::from(2)
    })?;
    let policy = Policy::resolve(flags, strict_flag, config.as_ref().map(|c| &c.trust));
    let trust = policy.load().map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    Ok((policy, trust))
}

pub fn cmd_keygen(args: &KeygenArgs) -> ExitCode {
    if let Err(e) = create_key_dir(&args.dir) {
        eprintln!("error: cannot create {}: {e}", args.dir.display());
        return ExitCode::from(2);
    }
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

/// `keygen --dir`, made when missing (only its owner may enter it, as it holds a private key).
fn create_key_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
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

pub fn cmd_verify(args: &VerifyArgs, settings: &Settings) -> ExitCode {
    let (policy, trust) = match tree_policy(&args.root, &args.trust, args.strict, settings) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let cfg = verify::Config {
        root: args.root.clone(),
        strict: policy.strict,
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
    // The signature gate is strict whatever `[trust] strict` says; it takes the keys and the
    // revocation list from the configuration.
    let (_, trust) = match tree_policy(&args.root, &args.trust, true, settings) {
        Ok(p) => p,
        Err(code) => return code,
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
/// (or strict mode is off); a diagnostic for SIGNATURE_ERROR; `Err` for a usage error (the
/// secret is missing, the trusted keys or the revocation list cannot be read). Strictness,
/// trusted keys and revocations come from `--strict`, the environment and `[trust]` of the
/// file's `aether.toml`. `stdin` is the script's source when it was read from stdin.
pub fn strict_diagnostic(
    file: &Path,
    stdin: Option<&super::stdin::Stdin>,
    strict_flag: bool,
    settings: &Settings,
) -> Result<Option<Diagnostic>, String> {
    if let Some(input) = stdin {
        // Source from stdin is taken to be where `--stdin-filename` says: its `[trust]`.
        let policy = policy_at(&input.path, strict_flag, settings)?;
        return match input.text() {
            Some(text) if policy.strict => verify_strictly(&policy, text),
            _ => Ok(None),
        };
    }
    // Strictness first: reading a FIFO or a device here would block before the check's own
    // read, which refuses special files.
    let policy = policy_at(file, strict_flag, settings)?;
    if !policy.strict {
        return Ok(None);
    }
    // Read as the check reads (special files refused, size bounded); a file that cannot be
    // read is reported by the check itself (IO outranks SIGNATURE).
    match aether::syntax::source::load(file) {
        aether::syntax::source::Loaded::Text(text) => verify_strictly(&policy, &text),
        aether::syntax::source::Loaded::Failed { .. } => Ok(None),
    }
}

/// The trust policy of the project a file at `at` belongs to.
fn policy_at(at: &Path, strict_flag: bool, settings: &Settings) -> Result<Policy, String> {
    let project = settings.project(Some(at)).map_err(|e| e.to_string())?;
    let config = project.as_ref().map(|p| &p.config.trust);
    Ok(Policy::resolve(&TrustArgs::default(), strict_flag, config))
}

/// The SIGNATURE_ERROR diagnostic of a script under a strict policy, if it fails.
fn verify_strictly(policy: &Policy, text: &str) -> Result<Option<Diagnostic>, String> {
    let trust = policy.load()?;
    let verdict = trust.verify_text(text);
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
