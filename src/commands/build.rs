//! `kiln build`: runs the build pipeline and shows each stage's time.

use anyhow::{Context, Result};
use kiln_compiler::{build, BuildOptions};
use std::io::Write;
use std::path::PathBuf;

/// Build the executor artifacts (snapshot, bytecode and plain baselines, .wasm and .cwasm):
/// kiln's own Wikifunctions executor, or with --entry any executor written as an ES module.
#[derive(clap::Args)]
pub struct Args {
    /// kiln's project root, holding executor-js/, guest/, wit/ and node_modules/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Build a custom executor from this ES module, which exports `handle(requestText)` (and
    /// optionally `init()`); its npm dependencies come from the project it lives in.
    #[arg(long)]
    entry: Option<PathBuf>,
    /// Output folder [default: ROOT/target/kiln; with --entry, target/kiln in the entry's
    /// project].
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Use this prebuilt guest instead of building guest/ with cargo.
    #[arg(long)]
    guest: Option<PathBuf>,
    /// Skip writing the precompiled .cwasm files.
    #[arg(long)]
    no_precompile: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut options = BuildOptions::new(args.root);
    if let Some(entry) = &args.entry {
        options.out_dir = kiln_compiler::entry::project_of(entry).join("target/kiln");
    }
    options.entry = args.entry;
    if let Some(out) = args.out {
        options.out_dir = out;
    }
    options.guest = args.guest;
    options.precompile = !args.no_precompile;
    let report = build(&options, &mut |stage| {
        eprintln!(
            "  {:<28} {:>9.1} ms  {}",
            stage.name,
            stage.duration.as_secs_f64() * 1e3,
            stage.detail
        );
    })
    .context(match &options.entry {
        Some(entry) => format!("building the executor {}", entry.display()),
        None => "building kiln's executor".to_string(),
    })?;
    let total: f64 = report.stages.iter().map(|s| s.duration.as_secs_f64()).sum();
    eprintln!("  {:<28} {:>9.1} ms", "total", total * 1e3);
    let mut out = std::io::stdout().lock();
    for artifact in &report.artifacts {
        let cwasm = match (&artifact.cwasm, artifact.cwasm_bytes) {
            (Some(path), Some(bytes)) => format!(", {} ({bytes} bytes)", path.display()),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:<9} {} ({} bytes){cwasm}",
            artifact.kind.name(),
            artifact.wasm.display(),
            artifact.wasm_bytes
        )?;
    }
    Ok(())
}
