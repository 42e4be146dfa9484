//! The hash functions of Terraform on strings: `md5`, `sha1`, `sha256`,
//! `sha512` (lowercase hexadecimal), `base64sha256`, `base64sha512` (the
//! raw digest in Base64) and `uuidv5` (a name-based UUID, SHA-1 of its
//! namespace and name). Each hashes the string's UTF-8 bytes, as
//! Terraform does; an unknown string hashes to an unknown value. `bcrypt`
//! and `uuid` are random on every run and stay unknown. The `file…`
//! hashes hash a file's bytes ([`file_digest`]); the evaluator reads the
//! file.

use super::{R, arg, more, to_known_str};
use ::md5::Md5;
use ::sha1::Sha1;
use ::sha2::{Digest, Sha256, Sha512};
use hcl::Value;
use hcl::eval::FuncArgs;

/// The string argument, as bytes to hash.
fn text(args: &FuncArgs) -> Result<String, String> {
    to_known_str(arg(args, 0)?)
}

/// Lowercase hexadecimal, as Terraform writes a digest.
fn hex_string(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn hex(bytes: &[u8]) -> Value {
    Value::String(hex_string(bytes))
}

pub(super) fn md5(args: FuncArgs) -> R {
    Ok(hex(&Md5::digest(text(&args)?.as_bytes())))
}

pub(super) fn sha1(args: FuncArgs) -> R {
    Ok(hex(&Sha1::digest(text(&args)?.as_bytes())))
}

pub(super) fn sha256(args: FuncArgs) -> R {
    Ok(hex(&Sha256::digest(text(&args)?.as_bytes())))
}

pub(super) fn sha512(args: FuncArgs) -> R {
    Ok(hex(&Sha512::digest(text(&args)?.as_bytes())))
}

pub(super) fn base64sha256(args: FuncArgs) -> R {
    let digest = Sha256::digest(text(&args)?.as_bytes());
    Ok(Value::String(more::base64(&digest)))
}

pub(super) fn base64sha512(args: FuncArgs) -> R {
    let digest = Sha512::digest(text(&args)?.as_bytes());
    Ok(Value::String(more::base64(&digest)))
}

/// The namespaces RFC 4122 names, by the names Terraform gives them.
const NAMESPACES: &[(&str, &str)] = &[
    ("dns", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
    ("url", "6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
    ("oid", "6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
    ("x500", "6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
];

/// A UUID as Terraform's parser reads it: 36 characters with hyphens,
/// the same in braces or after `urn:uuid:`, or 32 hexadecimal digits.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let body = if s.len() == 45 {
        s.get(..9)
            .filter(|p| p.eq_ignore_ascii_case("urn:uuid:"))
            .and(s.get(9..))?
    } else if s.len() == 38 {
        s.strip_prefix('{')?.strip_suffix('}')?
    } else {
        s
    };
    let digits: Vec<u8> = match body.len() {
        36 => {
            let bytes = body.as_bytes();
            if [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
                return None;
            }
            bytes.iter().copied().filter(|&b| b != b'-').collect()
        }
        32 => body.as_bytes().to_vec(),
        _ => return None,
    };
    if digits.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

pub(super) fn uuidv5(args: FuncArgs) -> R {
    let namespace = to_known_str(arg(&args, 0)?)?;
    let name = to_known_str(arg(&args, 1)?)?;
    let written = NAMESPACES
        .iter()
        .find(|(n, _)| *n == namespace)
        .map_or(namespace.as_str(), |(_, uuid)| uuid);
    let ns = parse_uuid(written)
        .ok_or_else(|| format!("uuidv5() doesn't support namespace {namespace}"))?;
    let mut hasher = Sha1::new();
    hasher.update(ns);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut u = [0u8; 16];
    u.copy_from_slice(&digest[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    let h = hex_string(&u);
    Ok(Value::String(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )))
}

/// The digest a `file…` hash function gives of a file's bytes, by the
/// function's name: as the function of the same name without `file` gives
/// of a string's.
pub(crate) fn file_digest(name: &str, bytes: &[u8]) -> Option<String> {
    Some(match name {
        "filebase64" => more::base64(bytes),
        "filemd5" => hex_string(&Md5::digest(bytes)),
        "filesha1" => hex_string(&Sha1::digest(bytes)),
        "filesha256" => hex_string(&Sha256::digest(bytes)),
        "filesha512" => hex_string(&Sha512::digest(bytes)),
        "filebase64sha256" => more::base64(&Sha256::digest(bytes)),
        "filebase64sha512" => more::base64(&Sha512::digest(bytes)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::documented::{err, ok};

    #[test]
    fn hashes_read_utf8_bytes() {
        ok(r#"md5("zoné ☃")"#, r#""86f8fc4905d8d6b6de52819d97f55874""#);
        ok(
            r#"sha256("")"#,
            r#""e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855""#,
        );
        err("sha1(unk)");
        err("sha256(null)");
        err("base64sha512([])");
    }

    #[test]
    fn uuidv5_reads_every_form_of_uuid_terraform_reads() {
        let want = r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#;
        for ns in [
            "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
            "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "6ba7b8109dad11d180b400c04fd430c8",
            "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
        ] {
            ok(&format!(r#"uuidv5("{ns}", "www.terraform.io")"#), want);
        }
        err(r#"uuidv5("DNS", "www.terraform.io")"#);
        err(r#"uuidv5("6ba7b810x9dad-11d1-80b4-00c04fd430c8", "a")"#);
        err(r#"uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "a")"#);
        err(r#"uuidv5("éa7b810-9dad-11d1-80b4-00c04fd430c8", "a")"#);
        err(r#"uuidv5("dns", unk)"#);
    }
}
