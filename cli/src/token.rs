//! `accord token`: signs a development JWT, to try a secured service by hand
//! (`curl -H "authorization: Bearer $(accord token --secret ... --scope orders:write)"`).
//!
//! It signs what `accord::auth::JwtVerifier` verifies: HS256 with a shared secret (as a service
//! started with `--jwt-secret`), RS256 or ES256 with a PEM private key whose public half the
//! service has (a PEM or a JWKS with `--kid`). Claims: `sub`, `scope` (space-separated, RFC 8693),
//! `aud`, `iss`, `iat`, `nbf` and `exp`. It is a development tool: the key is read from the
//! command line, the environment or a file, and nothing is stored.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// The shortest HS256 secret, as `JwtVerifier::hs256` requires: a token signed with a shorter
/// one would be refused by every service.
const MIN_SECRET_BYTES: usize = 32;

/// The largest key file read.
const MAX_KEY_BYTES: u64 = 64 << 10;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("signing").required(true).args(["secret", "secret_env", "key"])))]
pub struct TokenArgs {
    /// Sign with HS256 and this shared secret (at least 32 bytes, as services require).
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
    /// Sign with HS256 and the secret in this environment variable (keeps it out of the
    /// shell's history and the process list).
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Sign with this PEM private key: RSA (RS256) or EC P-256 (ES256).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The key id (`kid` header) a JWKS names the key by.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    /// Who the token is for (`sub`).
    #[arg(long, value_name = "SUB", default_value = "developer")]
    pub sub: String,
    /// A scope the token grants; repeat for several (`scope`, space-separated).
    #[arg(long, value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// The audience (`aud`): the service the token is for; repeat for several.
    #[arg(long, value_name = "AUD")]
    pub aud: Vec<String>,
    /// The issuer (`iss`).
    #[arg(long, value_name = "ISS")]
    pub iss: Option<String>,
    /// How long the token is valid: seconds, or a number with `s`, `m`, `h` or `d`.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_ttl)]
    pub ttl: u64,
}

pub fn run(args: &TokenArgs) -> ExitCode {
    match token(args, now()) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {}", crate::output::escaped(&message));
            ExitCode::from(2)
        }
    }
}

/// The signed token, issued at `now` (seconds since the epoch).
pub fn token(args: &TokenArgs, now: u64) -> Result<String, String> {
    let (algorithm, key) = signing_key(args)?;
    let mut header = Header::new(algorithm);
    header.kid = args.kid.clone();
    jsonwebtoken::encode(&header, &claims(args, now), &key)
        .map_err(|e| format!("cannot sign the token: {e}"))
}

/// The algorithm and key of the signing option given.
fn signing_key(args: &TokenArgs) -> Result<(Algorithm, EncodingKey), String> {
    if let Some(path) = &args.key {
        return pem_key(&read_key(path)?, path);
    }
    let secret = match (&args.secret, &args.secret_env) {
        (Some(secret), _) => secret.clone(),
        (None, Some(var)) => std::env::var(var)
            .map_err(|_| format!("the environment variable {var} is not set (or not UTF-8)"))?,
        (None, None) => return Err("give --secret, --secret-env or --key".into()),
    };
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "an HS256 secret must be at least {MIN_SECRET_BYTES} bytes (services refuse shorter ones)"
        ));
    }
    Ok((
        Algorithm::HS256,
        EncodingKey::from_secret(secret.as_bytes()),
    ))
}

/// An RSA key signs RS256, an EC key ES256; the PEM says which.
fn pem_key(pem: &[u8], path: &std::path::Path) -> Result<(Algorithm, EncodingKey), String> {
    if let Ok(key) = EncodingKey::from_rsa_pem(pem) {
        return Ok((Algorithm::RS256, key));
    }
    if let Ok(key) = EncodingKey::from_ec_pem(pem) {
        return Ok((Algorithm::ES256, key));
    }
    Err(format!(
        "{}: not a PEM private key of RSA or EC P-256",
        path.display()
    ))
}

fn read_key(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_KEY_BYTES {
        return Err(format!("{}: too large for a key", path.display()));
    }
    Ok(bytes)
}

fn claims(args: &TokenArgs, now: u64) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(args.sub));
    if !args.scope.is_empty() {
        claims.insert("scope".into(), json!(args.scope.join(" ")));
    }
    match args.aud.as_slice() {
        [] => {}
        [one] => {
            claims.insert("aud".into(), json!(one));
        }
        many => {
            claims.insert("aud".into(), json!(many));
        }
    }
    if let Some(iss) = &args.iss {
        claims.insert("iss".into(), json!(iss));
    }
    claims.insert("iat".into(), json!(now));
    claims.insert("nbf".into(), json!(now));
    claims.insert("exp".into(), json!(now.saturating_add(args.ttl)));
    claims
}

/// `90`, `90s`, `15m`, `1h`, `7d` in seconds; at least one second.
fn parse_ttl(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}`: expected seconds, or a number with s, m, h or d"
            ));
        }
    };
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}`: expected seconds, or a number with s, m, h or d"))?;
    match count.checked_mul(scale) {
        Some(0) => Err("the token must be valid for at least a second".into()),
        Some(seconds) => Ok(seconds),
        None => Err(format!("`{text}` is too long")),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_ttl("90"), Ok(90));
        assert_eq!(parse_ttl("15m"), Ok(900));
        assert_eq!(parse_ttl("1h"), Ok(3600));
        assert_eq!(parse_ttl("7d"), Ok(604_800));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("1w").unwrap_err().contains("s, m, h or d"));
        assert!(parse_ttl("h").is_err());
        assert!(parse_ttl("99999999999999999999d").is_err());
    }
}
