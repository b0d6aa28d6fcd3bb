//! `gen-fixtures --images N --out DIR`: writes a fixture set of one account
//! with N custom images, for `compshare-mock --fixtures DIR`.
#![forbid(unsafe_code)]

use std::path::PathBuf;

use clap::Parser;

/// Writes a generated fixture set (deterministic: the same N gives the same files).
#[derive(Debug, Parser)]
#[command(name = "gen-fixtures")]
struct Args {
    /// How many custom images the account gets.
    #[arg(long)]
    images: usize,
    /// Directory to write accounts.json and images.json into.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let started = std::time::Instant::now();
    match compshare_bench::fixtures::write_set(&args.out, args.images) {
        Ok(()) => {
            println!(
                "wrote {} images to {} in {:.1} s",
                args.images,
                args.out.display(),
                started.elapsed().as_secs_f64()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-fixtures: {}: {e}", args.out.display());
            std::process::ExitCode::FAILURE
        }
    }
}
