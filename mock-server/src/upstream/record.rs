//! Recording: the upstream's answers written as a fixture set that
//! `--fixtures` loads, with account ids, resource ids, IP addresses and
//! passwords replaced. A real value always becomes the same fake one (a
//! keyed hash, the key kept in the directory), in answers and in the
//! `match` parameters alike, so recorded lists and lookups stay consistent.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

use crate::canned::{paging, Canned, COMMON_PARAMS};
use crate::fixtures::{ACCOUNTS_FILE, IMAGES_FILE, INSTANCES_FILE, RESPONSES_DIR, TEAMS_FILE};
use compshare_protocol::catalogue::{Action, Catalogue, Type};
use compshare_protocol::params::Params;

/// The file in a recording directory holding the anonymisation key (mode
/// 0600); `--fixtures` ignores it.
pub const KEY_FILE: &str = ".anonymise-key";

/// Parameters never written to a recording's `match`: the signing ones.
const SIGNING_PARAMS: &[&str] = &["Action", "PublicKey", "Signature"];

/// Words of an id field that names an account rather than a resource: its
/// integer values are replaced too.
const ACCOUNT_WORDS: &[&str] = &[
    "Company",
    "Account",
    "User",
    "Organization",
    "Owner",
    "Member",
    "Team",
    "Project",
];

/// Replaces identifying values consistently: the same real value gives the
/// same fake one for the same key.
#[derive(Clone)]
pub struct Anonymiser {
    key: String,
}

impl std::fmt::Debug for Anonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Anonymiser { key: <redacted> }")
    }
}

/// The last part of a flat parameter or field name that is not an index:
/// `UHostIds.0` → `UHostIds`, `Disks.0.Password` → `Password`.
fn base_name(key: &str) -> &str {
    key.rsplit('.')
        .find(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(key)
}

/// Whether a field or parameter holds a password.
pub fn is_password(key: &str) -> bool {
    base_name(key).to_ascii_lowercase().contains("password")
}

/// Whether a field or parameter holds an id (`UHostId`, `ImageIds`); zone
/// and region ids are public and kept.
pub fn is_id(key: &str) -> bool {
    let b = base_name(key);
    ["Id", "Ids", "ID", "IDs"].iter().any(|s| b.ends_with(s))
        && !b.contains("Zone")
        && !b.contains("Region")
}

fn is_account_id(key: &str) -> bool {
    is_id(key) && ACCOUNT_WORDS.iter().any(|w| base_name(key).contains(w))
}

impl Anonymiser {
    /// An anonymiser with a secret key.
    pub fn new(key: impl Into<String>) -> Self {
        Anonymiser { key: key.into() }
    }

    fn hash(&self, kind: &str, real: &str) -> [u8; 20] {
        let mut h = Sha1::new();
        h.update(self.key.as_bytes());
        h.update([0]);
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(real.as_bytes());
        h.finalize().into()
    }

    /// `n` digits from the hash of `real`, the first not zero.
    fn digits(&self, real: &str, n: usize) -> String {
        let h = self.hash("digits", real);
        (0..n.max(1))
            .map(|i| {
                let b = h[i % 20].wrapping_add((i / 20) as u8);
                let d = if i == 0 { 1 + b % 9 } else { b % 10 };
                char::from(b'0' + d)
            })
            .collect()
    }

    /// A fake id: a lowercase word before the first `-` (`uhost-`) is kept,
    /// the rest becomes as many hex digits (digits for a number).
    pub fn id(&self, real: &str) -> String {
        if real.is_empty() {
            return String::new();
        }
        let (prefix, rest) = match real.split_once('-') {
            Some((p, r)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphabetic()) => {
                (&real[..=p.len()], r)
            }
            _ => ("", real),
        };
        let n = rest.chars().count().clamp(6, 40);
        if rest.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{prefix}{}", self.digits(real, rest.len().max(1)));
        }
        let hex = hex::encode(self.hash("id", real));
        let hex = hex.repeat(n / hex.len() + 1);
        format!("{prefix}{}", &hex[..n])
    }

    /// A fake account number with as many digits.
    pub fn number(&self, real: u64) -> u64 {
        let s = real.to_string();
        self.digits(&s, s.len()).parse().unwrap_or(real)
    }

    /// A fake password.
    pub fn password(&self, real: &str) -> String {
        if real.is_empty() {
            return String::new();
        }
        format!("Pw{}", &hex::encode(self.hash("password", real))[..14])
    }

    /// A fake address of the same family: `10.x.y.z` or `fd00::…`.
    pub fn ip(&self, real: IpAddr) -> IpAddr {
        let h = self.hash("ip", &real.to_string());
        match real {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(10, h[0], h[1], 1 + h[2] % 254)),
            IpAddr::V6(_) => {
                let w = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
                IpAddr::V6(Ipv6Addr::new(
                    0xfd00,
                    w(0),
                    w(2),
                    w(4),
                    w(6),
                    w(8),
                    w(10),
                    1,
                ))
            }
        }
    }

    /// A text with every IPv4 address in it (and the whole text, if it is an
    /// IPv6 address) replaced.
    pub fn text(&self, s: &str) -> String {
        if let Ok(ip @ IpAddr::V6(_)) = s.parse::<IpAddr>() {
            return self.ip(ip).to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut String| {
            match run.parse::<Ipv4Addr>() {
                Ok(ip) if run.matches('.').count() == 3 => {
                    out.push_str(&self.ip(IpAddr::V4(ip)).to_string())
                }
                _ => out.push_str(run),
            }
            run.clear();
        };
        for c in s.chars() {
            if c.is_ascii_digit() || c == '.' {
                run.push(c);
            } else {
                flush(&mut run, &mut out);
                out.push(c);
            }
        }
        flush(&mut run, &mut out);
        out
    }

    /// A parameter or scalar field value under `key`, replaced as its name
    /// says (password, account or resource id) and its IP addresses replaced.
    pub fn scalar(&self, key: &str, v: &str) -> String {
        if is_password(key) {
            self.password(v)
        } else if is_id(key) {
            self.id(v)
        } else {
            self.text(v)
        }
    }

    /// Replaces, in place, what identifies an account in a value found
    /// under `key` (list items are under their list's key).
    pub fn value(&self, key: &str, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.scalar(key, s),
            Value::Number(n) if is_account_id(key) => {
                if let Some(u) = n.as_u64() {
                    *v = Value::from(self.number(u));
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|x| self.value(key, x)),
            Value::Object(o) => o.iter_mut().for_each(|(k, x)| self.value(k, x)),
            _ => {}
        }
    }
}

/// What a recording wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The file written, relative to the recording directory.
    pub file: String,
    /// Fields of the upstream's answer left out, with why (the fixture
    /// format holds catalogue fields of catalogue types only).
    pub dropped: Vec<String>,
}

/// Writes answers into a recording directory.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    anonymiser: Anonymiser,
    /// One write at a time: a file is read, changed and replaced.
    writing: Mutex<()>,
}

/// Writes a file with owner-only permissions on Unix.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

impl Recorder {
    /// Opens (creating it when needed) a recording directory: a fixture
    /// set whose accounts, images and instances are copied from `from` (the
    /// `--fixtures` directory) or the built-in set when it has none yet.
    pub fn open(dir: &Path, from: Option<&Path>) -> Result<Recorder, String> {
        let fail = |what: &str, e: std::io::Error| format!("{}: {what}: {e}", dir.display());
        std::fs::create_dir_all(dir.join(RESPONSES_DIR)).map_err(|e| fail("cannot create", e))?;
        for (name, builtin) in crate::fixtures::builtin_files() {
            let target = dir.join(name);
            if target.exists() {
                continue;
            }
            let text = match from {
                Some(src) if src.join(name).exists() => std::fs::read_to_string(src.join(name))
                    .map_err(|e| format!("{}: {e}", src.join(name).display()))?,
                Some(_) if name == INSTANCES_FILE || name == TEAMS_FILE => continue,
                Some(src) => return Err(format!("{}: missing", src.join(name).display())),
                None => builtin.to_owned(),
            };
            // accounts.json holds private keys.
            write_private(&target, &text).map_err(|e| fail(name, e))?;
        }
        debug_assert!([ACCOUNTS_FILE, IMAGES_FILE]
            .iter()
            .all(|f| dir.join(f).exists()));
        let key_path = dir.join(KEY_FILE);
        let key = match std::fs::read_to_string(&key_path) {
            Ok(k) if !k.trim().is_empty() => k.trim().to_owned(),
            _ => {
                let k = format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                );
                write_private(&key_path, &k).map_err(|e| fail(KEY_FILE, e))?;
                k
            }
        };
        Ok(Recorder {
            dir: dir.to_owned(),
            anonymiser: Anonymiser::new(key),
            writing: Mutex::new(()),
        })
    }

    /// The recording directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a success answer of a catalogue action to
    /// `responses/<Action>.json`, as the case matching these parameters
    /// (replaced when the file has one already). A paged list is kept
    /// whole: each page is written at its `Offset`.
    pub fn record(&self, action: &str, params: &Params, body: &Value) -> Result<Recorded, String> {
        let catalogue = Catalogue::get();
        let a = catalogue
            .action(action)
            .ok_or_else(|| format!("{action} is not an action of the catalogue"))?;
        let Value::Object(body) = body else {
            return Err("the answer is not an object".to_owned());
        };
        let mut dropped = Vec::new();
        let mut answer = Map::new();
        for (k, v) in body {
            if ["Action", "RetCode", "Message"].contains(&k.as_str())
                && a.response_field(k).is_none()
            {
                continue;
            }
            let Some(f) = a.response_field(k) else {
                dropped.push(format!("{k}: not in the catalogue"));
                continue;
            };
            if let Some(mut v) = conform(catalogue, v, &f.ty, k, &mut dropped) {
                self.anonymiser.value(k, &mut v);
                answer.insert(k.clone(), v);
            }
        }
        let paged = paging(a);
        let when = self.match_of(a, paged.is_some(), params);
        let rel = format!("{RESPONSES_DIR}/{action}.json");
        let path = self.dir.join(&rel);
        let _guard = crate::sync::lock(&self.writing);
        let mut cases = match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(cases)) => cases,
                Ok(Value::Object(one)) => vec![serde_json::json!({ "answer": one })],
                _ => return Err(format!("{rel}: not a recording; left as it is")),
            },
            Err(_) => Vec::new(),
        };
        let at = cases
            .iter()
            .position(|c| c.get("match").and_then(Value::as_object) == Some(&when));
        if let Some(p) = &paged {
            let offset = crate::paging::page(params).map(|p| p.offset).unwrap_or(0);
            let old = at
                .and_then(|i| cases[i].pointer(&format!("/answer/{}", p.list)))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let page = answer
                .get(&p.list)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if offset > old.len() {
                return Err(format!(
                    "the page at Offset {offset} leaves a gap after the {} items recorded: record pages in order",
                    old.len()
                ));
            }
            let mut list = old;
            let end = (offset + page.len()).min(list.len());
            list.splice(offset..end, page);
            answer.insert(p.list.clone(), Value::Array(list));
        }
        let case = serde_json::json!({ "match": when, "answer": answer });
        match at {
            Some(i) => cases[i] = case,
            None => cases.push(case),
        }
        let text = serde_json::to_string_pretty(&Value::Array(cases))
            .map_err(|e| format!("{rel}: {e}"))?
            + "\n";
        Canned::parse(&rel, action, &text).map_err(|e| format!("not recorded: {e}"))?;
        let tmp = self.dir.join(format!("{rel}.tmp"));
        std::fs::write(&tmp, &text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("{rel}: cannot write: {e}"))?;
        Ok(Recorded { file: rel, dropped })
    }

    /// The `match` of a request: every parameter of the action (and Region,
    /// Zone, ProjectId), anonymised, those not sent as `""` so that a case
    /// never matches a request with more parameters; the signing
    /// parameters, passwords and, for a paged action, `Offset` and `Limit`
    /// left out.
    fn match_of(&self, action: &Action, paged: bool, params: &Params) -> Map<String, Value> {
        let left_out = |k: &str| {
            SIGNING_PARAMS.contains(&k)
                || is_password(k)
                || (paged && (k == "Offset" || k == "Limit"))
        };
        let mut when = BTreeMap::new();
        for (k, v) in params.iter() {
            let top = k.split('.').next().unwrap_or(k);
            if left_out(k)
                || v.is_empty()
                || (action.param(top).is_none() && !COMMON_PARAMS.contains(&top))
            {
                continue;
            }
            when.insert(k.to_owned(), self.anonymiser.scalar(k, v));
        }
        let names = action
            .request
            .iter()
            .map(|f| f.name.as_str())
            .chain(COMMON_PARAMS.iter().copied());
        for name in names {
            let prefix = format!("{name}.");
            if !left_out(name)
                && !when.contains_key(name)
                && !when.keys().any(|k| k.starts_with(&prefix))
            {
                when.insert(name.to_owned(), String::new());
            }
        }
        when.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    }
}

/// The part of `v` the catalogue type `ty` admits: fields outside the model
/// and values of another type are left out (and named in `dropped`).
fn conform(
    catalogue: &Catalogue,
    v: &Value,
    ty: &Type,
    path: &str,
    dropped: &mut Vec<String>,
) -> Option<Value> {
    match (ty, v) {
        (Type::Array(inner), Value::Array(items)) => Some(Value::Array(
            items
                .iter()
                .filter_map(|x| conform(catalogue, x, inner, &format!("{path}[]"), dropped))
                .collect(),
        )),
        (Type::Ref(model), Value::Object(o)) => {
            let fields = catalogue.models.get(model)?;
            let mut out = Map::new();
            for (k, x) in o {
                let sub = format!("{path}.{k}");
                match fields.iter().find(|f| f.name == *k) {
                    Some(f) => {
                        if let Some(x) = conform(catalogue, x, &f.ty, &sub, dropped) {
                            out.insert(k.clone(), x);
                        }
                    }
                    None => dropped.push(format!("{sub}: not in the catalogue")),
                }
            }
            Some(Value::Object(out))
        }
        _ => match catalogue.check(v, ty, path) {
            Ok(()) => Some(v.clone()),
            Err(m) => {
                dropped.push(format!("{path}: {}", m.problem));
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_real_value_gets_the_same_fake_one() {
        let a = Anonymiser::new("k");
        let id = a.id("uhost-abc123xyz");
        assert!(id.starts_with("uhost-") && id.len() == "uhost-abc123xyz".len());
        assert_ne!(id, "uhost-abc123xyz");
        assert_eq!(a.id("uhost-abc123xyz"), id);
        assert_ne!(a.id("uhost-abc123xyw"), id);
        assert_ne!(Anonymiser::new("other").id("uhost-abc123xyz"), id);
        assert_eq!(a.number(56000001).to_string().len(), 8);
        assert_eq!(a.number(56000001), a.number(56000001));
        // A uuid keeps nothing of itself.
        assert!(!a.id("ee2c3b0e-9a6a-4c57").contains("ee2c3b0e"));
    }

    #[test]
    fn ids_ips_and_passwords_are_replaced_in_answers() {
        let a = Anonymiser::new("k");
        let mut v = json!({
            "UHostSet": [{"UHostId": "uhost-1a2b3c", "CompanyId": 56000001, "ZoneId": 10027,
                          "IPSet": [{"IP": "106.75.1.2"}], "Name": "ssh root@106.75.1.2",
                          "Password": "hunter2", "Zone": "cn-wlcb-01", "CPU": 16}],
            "ImageIds": ["uimage-x1", "uimage-x2"]
        });
        a.value("", &mut v);
        let s = v.to_string();
        for real in ["1a2b3c", "56000001", "106.75.1.2", "hunter2", "x1\""] {
            assert!(!s.contains(real), "{real} left in {s}");
        }
        for kept in ["10027", "cn-wlcb-01", "\"CPU\":16", "ssh root@10."] {
            assert!(s.contains(kept), "{kept} lost in {s}");
        }
        let ip = &v["UHostSet"][0]["IPSet"][0]["IP"];
        assert!(v["UHostSet"][0]["Name"]
            .as_str()
            .unwrap()
            .ends_with(ip.as_str().unwrap()));
        assert_eq!(
            a.scalar("UHostIds.0", "uhost-1a2b3c"),
            v["UHostSet"][0]["UHostId"]
        );
    }
}
