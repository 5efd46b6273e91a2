//! Ed25519 key files, the trusted-keys directory and the revocation list.
//!
//! - `NAME.key`: `aether-ed25519-private-key <64 hex>` (the 32-byte seed), mode 0600.
//! - `NAME.pub`: `aether-ed25519-public-key <64 hex>`; a trusted-keys directory holds these.
//! - A key id is the first 16 hex digits of SHA-256 over the 32 public key bytes.
//! - A revocation list: one entry a line (`#` starts a comment), a key id or the SHA-256 of a
//!   signature's bytes (64 hex digits, as `aether sign` and `aether verify` print it).

use crate::trust::sign::{hex, signature_digest};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const PRIVATE_TAG: &str = "aether-ed25519-private-key";
const PUBLIC_TAG: &str = "aether-ed25519-public-key";

pub fn key_id(key: &VerifyingKey) -> String {
    hex(&Sha256::digest(key.as_bytes())[..8])
}

fn bad(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {why}", path.display()),
    )
}

fn read_tagged(path: &Path, tag: &str) -> io::Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
    let mut words = text.split_whitespace();
    if words.next() != Some(tag) {
        return Err(bad(
            path,
            &format!("not a key file (expected `{tag} <hex>`)"),
        ));
    }
    let hexed = words.next().unwrap_or_default();
    let mut out = [0u8; 32];
    if hexed.len() != 64 || !hexed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(path, "the key is not 64 hex digits"));
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hexed[2 * i..2 * i + 2], 16)
            .map_err(|_| bad(path, "the key is not 64 hex digits"))?;
    }
    Ok(out)
}

pub fn read_signing_key(path: &Path) -> io::Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_tagged(path, PRIVATE_TAG)?))
}

pub fn read_public_key(path: &Path) -> io::Result<VerifyingKey> {
    let bytes = read_tagged(path, PUBLIC_TAG)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad(path, "not a valid Ed25519 public key"))
}

/// A new key pair from the operating system's random source.
pub fn generate() -> SigningKey {
    SigningKey::generate(&mut rand_core::OsRng)
}

/// Writes `dir/NAME.key` (0600) and `dir/NAME.pub`; refuses to replace either. The private
/// file is created 0600 before a byte of the key is written to it.
pub fn write_pair(dir: &Path, name: &str, key: &SigningKey) -> io::Result<(PathBuf, PathBuf)> {
    let private = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    for p in [&private, &public] {
        if p.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists; not replacing a key", p.display()),
            ));
        }
    }
    let secret = format!("{PRIVATE_TAG} {}\n", hex(&key.to_bytes()));
    write_new(&private, secret.as_bytes(), 0o600)?;
    let pubtext = format!("{PUBLIC_TAG} {}\n", hex(key.verifying_key().as_bytes()));
    write_new(&public, pubtext.as_bytes(), 0o644)?;
    Ok((private, public))
}

/// A temporary file (0600 from its creation) renamed to `path` only if nothing is there.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".aether-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// The trusted public keys, by key id.
#[derive(Default)]
pub struct KeyRing {
    keys: BTreeMap<String, VerifyingKey>,
}

impl KeyRing {
    /// Every `*.pub` file of `dir`. A file that is not a public key is an error (a typo in
    /// a trust store should not silently trust nothing).
    pub fn load_dir(dir: &Path) -> io::Result<KeyRing> {
        let mut ring = KeyRing::default();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot read the trusted keys {}: {e}", dir.display()),
            )
        })?;
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "pub"))
            .collect();
        paths.sort();
        for p in paths {
            let key = read_public_key(&p)?;
            ring.keys.insert(key_id(&key), key);
        }
        Ok(ring)
    }

    pub fn insert(&mut self, key: VerifyingKey) {
        self.keys.insert(key_id(&key), key);
    }

    pub fn get(&self, id: &str) -> Option<&VerifyingKey> {
        self.keys.get(id)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Revoked key ids and signature digests.
#[derive(Default)]
pub struct Revocations {
    entries: BTreeSet<String>,
}

impl Revocations {
    pub fn parse(text: &str) -> Revocations {
        let entries = text
            .lines()
            .filter_map(|l| l.split('#').next())
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_ascii_lowercase)
            .collect();
        Revocations { entries }
    }

    pub fn load(path: &Path) -> io::Result<Revocations> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot read the revocation list {}: {e}", path.display()),
            )
        })?;
        Ok(Self::parse(text.trim_start_matches('\u{feff}')))
    }

    /// The entry that revokes this signature (by its key id or its digest), if any.
    pub fn matches(&self, key: Option<&str>, signature: &[u8]) -> Option<String> {
        if let Some(k) = key.filter(|k| self.entries.contains(*k)) {
            return Some(format!("key {k}"));
        }
        let digest = signature_digest(signature);
        self.entries
            .contains(&digest)
            .then(|| format!("signature {digest}"))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
