//! The signature header of a script, signing and verifying it.
//!
//! Line 1 is `# @signature: <64 lowercase hex>` (HMAC-SHA256, the original's format) or
//! `# @signature: ed25519:<key-id>:<128 lowercase hex>` (ours). The body is everything after
//! the header's first `\n`; the signature covers the body with CRLF and lone CR turned into LF,
//! as the originals computed it after reading with universal newlines. A file that starts
//! with a UTF-8 byte-order mark keeps it before the header, and the mark is not signed.

use crate::trust::keys::{key_id, KeyRing, Revocations};
use ed25519_dalek::{Signer, SigningKey, Verifier};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

pub const HEADER_PREFIX: &str = "# @signature:";
/// The original's development secret: used only under the `test` and `dev` profiles.
pub const DEV_SECRET: &str = "aetherra-dev-signing-secret";
pub const SECRET_ENV: &str = "AETHERRA_AETHER_SCRIPT_SIGNING_SECRET";
pub const PROFILE_ENV: &str = "AETHERRA_PROFILE";
pub const STRICT_ENV: &str = "AETHERRA_SCRIPT_VERIFY_STRICT";
const BOM: &str = "\u{feff}";

/// What line 1 says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header {
    Unsigned,
    Hmac([u8; 32]),
    Ed25519 {
        key_id: String,
        signature: [u8; 64],
    },
    /// Starts with `# @signature:` but is not one of the two forms; the reason says why.
    Malformed(String),
}

/// A file's text taken apart: the mark, the header, the line ending of the header line and
/// the body (verbatim).
pub struct Parts<'t> {
    pub bom: bool,
    pub header: Header,
    pub body: &'t str,
}

pub fn split(text: &str) -> Parts<'_> {
    let (bom, rest) = match text.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if !rest.starts_with(HEADER_PREFIX) {
        return Parts {
            bom,
            header: Header::Unsigned,
            body: rest,
        };
    }
    let (line, body) = match rest.find('\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let value = line[HEADER_PREFIX.len()..].trim_end_matches('\r').trim();
    Parts {
        bom,
        header: parse_value(value),
        body,
    }
}

fn parse_value(value: &str) -> Header {
    if let Some(rest) = value.strip_prefix("ed25519:") {
        let Some((id, sig)) = rest.split_once(':') else {
            return Header::Malformed(
                "an ed25519 header needs `ed25519:<key-id>:<signature>`".into(),
            );
        };
        if id.len() != 16 || !is_lower_hex(id) {
            return Header::Malformed(format!(
                "the key id `{}` is not 16 lowercase hex digits",
                shorten(id)
            ));
        }
        return match hex_bytes::<64>(sig) {
            Some(signature) => Header::Ed25519 {
                key_id: id.to_string(),
                signature,
            },
            None => {
                Header::Malformed("an ed25519 signature is 128 lowercase hex digits".to_string())
            }
        };
    }
    match hex_bytes::<32>(value) {
        Some(mac) => Header::Hmac(mac),
        None if value.is_empty() => Header::Malformed("the signature is empty".into()),
        None => Header::Malformed(format!(
            "`{}` is neither 64 lowercase hex digits nor `ed25519:<key-id>:<signature>`",
            shorten(value)
        )),
    }
}

/// At most 24 characters of untrusted header text for a message.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(24) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex_bytes<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !is_lower_hex(s) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The body as signed: CRLF and lone CR become LF.
pub fn normalise(body: &str) -> Cow<'_, str> {
    if body.contains('\r') {
        Cow::Owned(body.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(body)
    }
}

fn mac(secret: &[u8], body: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(normalise(body).as_bytes());
    m.finalize().into_bytes().into()
}

/// HMAC-SHA256 of the (normalised) body, in lowercase hex: the original's signature.
pub fn hmac_hex(secret: &[u8], body: &str) -> String {
    hex(&mac(secret, body))
}

/// SHA-256 of a signature's bytes: how a revocation list names one signature.
pub fn signature_digest(signature: &[u8]) -> String {
    hex(&Sha256::digest(signature))
}

/// Where the HMAC secret came from. The value itself is never shown (no `Display`, and its
/// `Debug` hides it).
pub struct Secret {
    bytes: Vec<u8>,
    pub development: bool,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.development {
            "Secret(development)"
        } else {
            "Secret(from the environment)"
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoSecret;

impl fmt::Display for NoSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SECRET_ENV} is not set; the development secret is used only when {PROFILE_ENV} is `test` or `dev`"
        )
    }
}

impl Secret {
    /// The secret from the environment; the development secret only under the `test` and
    /// `dev` profiles (the original fell back to it everywhere).
    pub fn from_env() -> Result<Secret, NoSecret> {
        Self::from_values(
            std::env::var(SECRET_ENV).ok().as_deref(),
            std::env::var(PROFILE_ENV).ok().as_deref(),
        )
    }

    pub fn from_values(secret: Option<&str>, profile: Option<&str>) -> Result<Secret, NoSecret> {
        match secret {
            Some(s) if !s.is_empty() => Ok(Secret {
                bytes: s.as_bytes().to_vec(),
                development: false,
            }),
            _ if matches!(profile, Some("test" | "dev")) => Ok(Secret {
                bytes: DEV_SECRET.as_bytes().to_vec(),
                development: true,
            }),
            _ => Err(NoSecret),
        }
    }

    pub fn hmac_hex(&self, body: &str) -> String {
        hmac_hex(&self.bytes, body)
    }
}

/// How to sign.
pub enum SignWith<'k> {
    Hmac(&'k Secret),
    Ed25519(&'k SigningKey),
}

/// The text with its header replaced (or added), the body byte-exact, the header line ended
/// like the body's lines (CRLF when the body uses CRLF).
pub fn sign_text(text: &str, how: &SignWith<'_>) -> String {
    let parts = split(text);
    let value = match how {
        SignWith::Hmac(secret) => secret.hmac_hex(parts.body),
        SignWith::Ed25519(key) => {
            let sig = key.sign(normalise(parts.body).as_bytes());
            format!(
                "ed25519:{}:{}",
                key_id(&key.verifying_key()),
                hex(&sig.to_bytes())
            )
        }
    };
    let eol = if parts.body.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::with_capacity(text.len() + 100);
    if parts.bom {
        out.push_str(BOM);
    }
    out.push_str(HEADER_PREFIX);
    out.push(' ');
    out.push_str(&value);
    out.push_str(eol);
    out.push_str(parts.body);
    out
}

/// The result of verifying one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A valid signature; `key` is the Ed25519 key id, `None` for HMAC.
    Valid {
        key: Option<String>,
    },
    Unsigned,
    Malformed(String),
    Mismatch,
    /// An Ed25519 signature by a key that is not in the trusted set.
    UntrustedKey(String),
    /// A revoked key id or signature digest (the matching entry).
    Revoked(String),
    /// The file cannot be read (or is not UTF-8).
    Unreadable(String),
    /// An HMAC signature and no secret to check it with: a usage error, not a verdict on
    /// the file.
    NoSecret,
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// Fails verification: an unsigned file only in strict mode; a bad signature always.
    pub fn fails(&self, strict: bool) -> bool {
        match self {
            Verdict::Valid { .. } => false,
            Verdict::Unsigned => strict,
            _ => true,
        }
    }

    /// Why it failed, for `FAIL (...)` and diagnostics.
    pub fn reason(&self) -> String {
        match self {
            Verdict::Valid { key: None } => "valid HMAC-SHA256 signature".into(),
            Verdict::Valid { key: Some(k) } => format!("valid ed25519 signature by key {k}"),
            Verdict::Unsigned => "unsigned".into(),
            Verdict::Malformed(why) => format!("malformed signature header: {why}"),
            Verdict::Mismatch => "signature mismatch (the file changed after signing, or another secret or key signed it)".into(),
            Verdict::UntrustedKey(k) => format!("signed by key {k}, which is not trusted"),
            Verdict::Revoked(entry) => format!("revoked ({entry})"),
            Verdict::Unreadable(why) => format!("cannot read: {why}"),
            Verdict::NoSecret => NoSecret.to_string(),
        }
    }
}

/// What verification knows: the HMAC secret (if any), the trusted Ed25519 keys and the
/// revocation list.
pub struct Trust {
    pub secret: Result<Secret, NoSecret>,
    pub keys: KeyRing,
    pub revoked: Revocations,
}

impl Trust {
    /// The secret from the environment, the keys of `trusted_keys` (a directory of `*.pub`
    /// files) and the entries of `revoked`; each absent means none.
    pub fn load(trusted_keys: Option<&Path>, revoked: Option<&Path>) -> std::io::Result<Trust> {
        Ok(Trust {
            secret: Secret::from_env(),
            keys: match trusted_keys {
                Some(dir) => KeyRing::load_dir(dir)?,
                None => KeyRing::default(),
            },
            revoked: match revoked {
                Some(file) => Revocations::load(file)?,
                None => Revocations::default(),
            },
        })
    }

    pub fn verify_text(&self, text: &str) -> Verdict {
        let parts = split(text);
        match parts.header {
            Header::Unsigned => Verdict::Unsigned,
            Header::Malformed(why) => Verdict::Malformed(why),
            Header::Hmac(given) => {
                let Ok(secret) = &self.secret else {
                    return Verdict::NoSecret;
                };
                if let Some(entry) = self.revoked.matches(None, &given) {
                    return Verdict::Revoked(entry);
                }
                // Constant-time comparison through the MAC's own verifier.
                let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&secret.bytes)
                    .expect("HMAC takes any key length");
                m.update(normalise(parts.body).as_bytes());
                if m.verify_slice(&given).is_ok() {
                    Verdict::Valid { key: None }
                } else {
                    Verdict::Mismatch
                }
            }
            Header::Ed25519 { key_id, signature } => {
                if let Some(entry) = self.revoked.matches(Some(&key_id), &signature) {
                    return Verdict::Revoked(entry);
                }
                let Some(key) = self.keys.get(&key_id) else {
                    return Verdict::UntrustedKey(key_id);
                };
                let sig = ed25519_dalek::Signature::from_bytes(&signature);
                match key.verify(normalise(parts.body).as_bytes(), &sig) {
                    Ok(()) => Verdict::Valid { key: Some(key_id) },
                    Err(_) => Verdict::Mismatch,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev() -> Secret {
        Secret::from_values(None, Some("test")).unwrap()
    }

    #[test]
    fn reference_vectors() {
        let s = dev();
        assert_eq!(
            s.hmac_hex(""),
            "f57aab62f2eb7f57afbdcefb44d636dfe4d00d74d34b7c4b34abac0ede30e4cf"
        );
        assert_eq!(
            s.hmac_hex("goal: \"Summarize logs\"\nreflect()\n"),
            "2998078a6429a244e05c3c411f174ea2ab9e58cbe9d87d3a7e1bc54261d66873"
        );
        assert_eq!(
            s.hmac_hex("goal: \"Summarize logs\"\nreflect()"),
            "949f9666fe1dae2c554a912f48e802a9f25095e822fa58adb2a672f02c0bd78b"
        );
        // CRLF is signed as LF.
        assert_eq!(
            s.hmac_hex("goal: \"Summarize logs\"\r\nreflect()\r\n"),
            s.hmac_hex("goal: \"Summarize logs\"\nreflect()\n")
        );
    }

    #[test]
    fn secret_rules() {
        assert!(Secret::from_values(None, None).is_err());
        assert!(Secret::from_values(None, Some("prod")).is_err());
        assert!(Secret::from_values(Some(""), Some("prod")).is_err());
        assert!(Secret::from_values(None, Some("dev")).unwrap().development);
        let s = Secret::from_values(Some("hunter2"), None).unwrap();
        assert!(!s.development);
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn malformed_headers_are_reported_not_panics() {
        for line in [
            "# @signature:",
            "# @signature: xyz",
            "# @signature: ÄÖÜ漢字",
            "# @signature: ed25519:",
            "# @signature: ed25519:zz:00",
            "# @signature: ed25519:0123456789abcdef:00",
            "# @signature: 2998078A6429A244E05C3C411F174EA2AB9E58CBE9D87D3A7E1BC54261D66873",
        ] {
            assert!(
                matches!(split(&format!("{line}\nx\n")).header, Header::Malformed(_)),
                "{line}"
            );
        }
    }
}
