//! Stage "emit": turns a snapshot into a shippable artifact — drops the build-time exports,
//! stamps a custom section with the build info — and precompiles it for the runner's engine.

use anyhow::{bail, Context, Result};
use kiln_runner::engine::{self, Allocation};
use wasm_encoder::{CustomSection, ExportKind, ExportSection, Module, RawSection};
use wasmparser::{BinaryReader, ExportSectionReader, ExternalKind};

/// Name of the custom section holding the build info (JSON).
pub const BUILD_INFO_SECTION: &str = "kiln-build-info";

/// The exports an artifact keeps; everything else (init and compile entries) is build-time.
pub const RUNTIME_EXPORTS: &[&str] = &["memory", "kiln_call"];

const CUSTOM_SECTION_ID: u8 = 0;
const EXPORT_SECTION_ID: u8 = 7;

/// One section of a module: its id and content.
pub(crate) struct Section<'a> {
    pub id: u8,
    pub content: &'a [u8],
    pub offset: usize,
}

/// Splits a module into its sections.
pub(crate) fn sections(wasm: &[u8]) -> Result<Vec<Section<'_>>> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        bail!("not a WebAssembly module");
    }
    let mut sections = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let mut reader = BinaryReader::new(&wasm[at + 1..], at + 1);
        let size = reader.read_var_u32().context("reading a section size")? as usize;
        let start = at + 1 + reader.current_position();
        let end = start
            .checked_add(size)
            .filter(|end| *end <= wasm.len())
            .context("a section runs past the end of the module")?;
        sections.push(Section {
            id,
            content: &wasm[start..end],
            offset: start,
        });
        at = end;
    }
    Ok(sections)
}

/// The name of a custom section and its payload.
pub(crate) fn custom_section<'a>(section: &Section<'a>) -> Result<(&'a str, &'a [u8])> {
    let mut reader = BinaryReader::new(section.content, section.offset);
    let name = reader.read_string()?;
    let at = reader.current_position();
    Ok((name, &section.content[at..]))
}

/// Keeps only [`RUNTIME_EXPORTS`], replaces any previous build info with `build_info`.
pub fn finish(wasm: &[u8], build_info: &[u8]) -> Result<Vec<u8>> {
    let mut module = Module::new();
    for section in sections(wasm)? {
        match section.id {
            EXPORT_SECTION_ID => {
                let reader =
                    ExportSectionReader::new(BinaryReader::new(section.content, section.offset))?;
                let mut exports = ExportSection::new();
                for export in reader {
                    let export = export?;
                    if RUNTIME_EXPORTS.contains(&export.name) {
                        exports.export(export.name, export_kind(export.kind), export.index);
                    }
                }
                module.section(&exports);
            }
            CUSTOM_SECTION_ID if custom_section(&section)?.0 == BUILD_INFO_SECTION => {}
            id => {
                module.section(&RawSection {
                    id,
                    data: section.content,
                });
            }
        }
    }
    module.section(&CustomSection {
        name: BUILD_INFO_SECTION.into(),
        data: build_info.into(),
    });
    let out = module.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .context("the emitted artifact does not validate")?;
    Ok(out)
}

fn export_kind(kind: ExternalKind) -> ExportKind {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
    }
}

/// Precompiles an artifact to the `.cwasm` form the runner maps into memory.
pub fn precompile(wasm: &[u8]) -> Result<Vec<u8>> {
    let engine = engine::engine(Allocation::OnDemand)?;
    Ok(engine.precompile_module(wasm)?)
}
