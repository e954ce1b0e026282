//! `kiln inspect`: prints the build info an artifact carries.

use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

/// Show how an artifact was built (versions, hashes) and its imports and exports.
#[derive(clap::Args)]
pub struct Args {
    /// A .wasm artifact, or a .cwasm beside its .wasm.
    artifact: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let inspection = kiln_compiler::inspect::inspect(&args.artifact)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&inspection)?)?;
        return Ok(());
    }
    let info = &inspection.build_info;
    writeln!(out, "artifact          {}", inspection.path.display())?;
    writeln!(out, "size              {} bytes", inspection.bytes)?;
    writeln!(out, "sha256            {}", inspection.sha256)?;
    writeln!(out, "kind              {}", info.kind)?;
    writeln!(out, "executor          {}", info.executor.name())?;
    writeln!(out, "kiln              {}", info.kiln_version)?;
    writeln!(out, "wasmtime          {}", info.wasmtime_version)?;
    writeln!(out, "javy              {}", info.javy_version)?;
    writeln!(out, "rquickjs          {}", info.rquickjs_version)?;
    writeln!(out, "quickjs           {}", info.quickjs_version)?;
    writeln!(out, "bundle sha256     {}", info.bundle_sha256)?;
    writeln!(out, "guest sha256      {}", info.guest_sha256)?;
    if let Some(bytecode) = &info.bytecode_sha256 {
        writeln!(out, "bytecode sha256   {bytecode}")?;
    }
    for producer in &inspection.producers {
        writeln!(out, "producer          {producer}")?;
    }
    for export in &inspection.exports {
        writeln!(out, "export            {export}")?;
    }
    for import in &inspection.imports {
        writeln!(out, "import            {import}")?;
    }
    Ok(())
}
