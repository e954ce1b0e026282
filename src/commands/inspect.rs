//! `kiln inspect`: prints the build info an artifact carries.

use anyhow::Result;
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
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inspection)?);
        return Ok(());
    }
    let info = &inspection.build_info;
    println!("artifact          {}", inspection.path.display());
    println!("size              {} bytes", inspection.bytes);
    println!("sha256            {}", inspection.sha256);
    println!("kind              {}", info.kind);
    println!("kiln              {}", info.kiln_version);
    println!("wasmtime          {}", info.wasmtime_version);
    println!("javy              {}", info.javy_version);
    println!("rquickjs          {}", info.rquickjs_version);
    println!("bundle sha256     {}", info.bundle_sha256);
    println!("guest sha256      {}", info.shim_sha256);
    if let Some(bytecode) = &info.bytecode_sha256 {
        println!("bytecode sha256   {bytecode}");
    }
    for export in &inspection.exports {
        println!("export            {export}");
    }
    for import in &inspection.imports {
        println!("import            {import}");
    }
    Ok(())
}
