//! Generated fixture sets: one account (the default `my_public_key` /
//! `my_private_key`) with N custom images, written the way `--fixtures DIR`
//! reads them. Deterministic: the same N gives the same bytes, and every
//! image renders to the same number of bytes, so a page of 20 is the same
//! size anywhere in the list and in any set.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The account every generated image belongs to.
pub const ACCOUNT_ID: &str = "56000001";
/// Its public key (the official examples' placeholder).
pub const PUBLIC_KEY: &str = "my_public_key";
/// Its private key.
pub const PRIVATE_KEY: &str = "my_private_key";

/// `CreateTime` of the oldest generated image; two images share each second,
/// so the listing's tie-break on the id is exercised too.
const EPOCH: i64 = 1_700_000_000;

const FRAMEWORKS: &[(&str, &str)] = &[
    ("PyTorch", "2.4.0"),
    ("TensorFlow", "2.16.1"),
    ("PaddlePaddle", "2.6.1"),
    ("JAX", "0.4.30"),
];
const GPUS: &[&str] = &["3090", "4090", "5090", "3080Ti"];

/// The `accounts.json` text of a generated set.
pub fn accounts_json() -> String {
    serde_json::json!([{
        "AccountId": ACCOUNT_ID,
        "AccountName": "default",
        "PublicKey": PUBLIC_KEY,
        "PrivateKey": PRIVATE_KEY,
    }])
    .to_string()
}

/// The `i`-th generated image, as the fixture file has it.
pub fn image(i: usize) -> serde_json::Value {
    let (framework, version) = FRAMEWORKS[i % FRAMEWORKS.len()];
    serde_json::json!({
        "CompShareImageId": format!("compshareImage-{i:010}"),
        "Name": format!("bench-env-{i:07}"),
        "ImageType": "Custom",
        "Status": "Available",
        "CreateTime": EPOCH + (i / 2) as i64,
        "Description": format!("benchmark environment number {i:07}"),
        "Author": "default",
        "Owner": {"AccountId": ACCOUNT_ID, "AccountName": "default"},
        "Softwares": {
            "Applications": ["JupyterLab"],
            "CUDAVersion": "12.4",
            "Framework": framework,
            "FrameworkVersion": version,
        },
        "SourceGpuType": GPUS[i % GPUS.len()],
        "Size": 30 + (i % 50) as i64,
        "Visibility": 0,
        "Tags": ["bench"],
        "FailedReason": "",
    })
}

/// Writes `accounts.json` and `images.json` of an `n`-image set into `dir`
/// (created if needed).
pub fn write_set(dir: &Path, n: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("accounts.json"), accounts_json())?;
    let tmp = dir.join("images.json.tmp");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
    out.write_all(b"[")?;
    for i in 0..n {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &image(i))?;
    }
    out.write_all(b"]\n")?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(tmp, dir.join("images.json"))
}

/// The directory of the `n`-image set under `root`, generated on first use
/// (an `images.json` already there is reused: generation is deterministic).
pub fn ensure_set(root: &Path, n: usize) -> std::io::Result<PathBuf> {
    let dir = root.join(format!("images-{n}"));
    if !dir.join("images.json").exists() || !dir.join("accounts.json").exists() {
        write_set(&dir, n)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_deterministic_unique_and_of_one_size() {
        assert_eq!(image(7), image(7));
        assert_ne!(image(7)["CompShareImageId"], image(8)["CompShareImageId"]);
        let len = |i| image(i).to_string().len();
        // Names of frameworks and GPUs cycle every four images, so any 20
        // consecutive images render to the same size.
        assert_eq!(len(0), len(999_996));
        assert_eq!(len(1), len(123_457));
    }

    #[test]
    fn a_written_set_is_a_list_of_n_images() {
        let dir = std::env::temp_dir().join(format!("compshare-bench-gen-{}", std::process::id()));
        write_set(&dir, 5).unwrap();
        let text = std::fs::read_to_string(dir.join("images.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 5);
        assert_eq!(v[4], image(4));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
