//! Stage "emit": turns a snapshot into a shippable artifact — keeps only the exports the WIT
//! contract names, stamps the build info and the standard `producers` section — and precompiles
//! it for the runner's engine.
//!
//! Modules are taken apart with wasmparser's section API ([`Payload::as_section`]) and put back
//! together with wasm-encoder; every section kiln does not rewrite is copied byte for byte, so
//! the same inputs always give the same artifact.

use crate::contract::Contract;
use anyhow::{Context, Result};
use kiln_runner::engine::{self, Allocation};
use wasm_encoder::{
    CustomSection, ExportKind, ExportSection, Module, ProducersField, ProducersSection, RawSection,
};
use wasmparser::{BinaryReader, ExternalKind, Parser, Payload, ProducersSectionReader};

/// Name of the custom section holding the build info (JSON).
pub const BUILD_INFO_SECTION: &str = "kiln-build-info";

/// Name of the standard custom section that says which tools made a module
/// (WebAssembly tool conventions, read by `wasm-tools metadata show`).
pub const PRODUCERS_SECTION: &str = "producers";

/// The wasmtime-wizer release that snapshots every artifact (pinned in the workspace manifest;
/// a unit test keeps the two in step).
pub(crate) const WIZER_VERSION: &str = "48.0.8";

/// Why a file is not a module kiln can read: only core modules of binary version 1 are.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModuleFormatError {
    /// The file does not start with the `\0asm` magic.
    #[error("not a WebAssembly binary (no `\\0asm` magic)")]
    NotWasm,
    /// The file is a component (layer 1), not a core module.
    #[error(
        "a WebAssembly component (version {0:#06x}, layer 1), not a core module: kiln reads core \
         modules only"
    )]
    Component(u16),
    /// The file is a core module of a binary version kiln does not know.
    #[error(
        "unknown WebAssembly binary version {version:#06x} (layer {layer}): kiln reads core \
         modules of version 1 only"
    )]
    UnknownVersion {
        /// The version field of the header.
        version: u16,
        /// The layer field of the header (0 for core modules).
        layer: u16,
    },
}

/// Checks the 8-byte header of `wasm`: the magic, then version 1 and layer 0 (a core module).
pub fn check_header(wasm: &[u8]) -> Result<(), ModuleFormatError> {
    let (magic, rest) = wasm
        .split_first_chunk::<4>()
        .ok_or(ModuleFormatError::NotWasm)?;
    if magic != b"\0asm" {
        return Err(ModuleFormatError::NotWasm);
    }
    let header = rest.first_chunk::<4>().ok_or(ModuleFormatError::NotWasm)?;
    let version = u16::from_le_bytes([header[0], header[1]]);
    let layer = u16::from_le_bytes([header[2], header[3]]);
    match (version, layer) {
        (1, 0) => Ok(()),
        (version, 1) => Err(ModuleFormatError::Component(version)),
        (version, layer) => Err(ModuleFormatError::UnknownVersion { version, layer }),
    }
}

/// The payloads of a core module, after [`check_header`] accepted it.
pub(crate) fn payloads(
    wasm: &[u8],
) -> Result<impl Iterator<Item = wasmparser::Result<Payload<'_>>>> {
    check_header(wasm)?;
    Ok(Parser::new(0).parse_all(wasm))
}

/// The contents of a producers section: fields in order, each with its values (name, version)
/// in order. Value names are unique within a field, field names unique within the section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Producers {
    fields: Vec<(String, Vec<(String, String)>)>,
}

impl Producers {
    /// What kiln adds to every artifact.
    pub(crate) fn kiln() -> Self {
        let mut producers = Self::default();
        producers.add("language", "JavaScript", "");
        producers.add("processed-by", "kiln", kiln_runner::KILN_VERSION);
        producers.add("processed-by", "wasmtime-wizer", WIZER_VERSION);
        producers
    }

    /// Adds one value to `field`; a value of the same name already there takes `version`.
    pub(crate) fn add(&mut self, field: &str, name: &str, version: &str) {
        let index = match self.fields.iter().position(|(f, _)| f == field) {
            Some(index) => index,
            None => {
                self.fields.push((field.to_string(), Vec::new()));
                self.fields.len() - 1
            }
        };
        let values = &mut self.fields[index].1;
        match values.iter_mut().find(|(n, _)| n == name) {
            Some(value) => value.1 = version.to_string(),
            None => values.push((name.to_string(), version.to_string())),
        }
    }

    /// Adds every value of `other`, in its order.
    pub(crate) fn merge(&mut self, other: &Producers) {
        for (field, values) in &other.fields {
            for (name, version) in values {
                self.add(field, name, version);
            }
        }
    }

    /// Reads the payload of a producers section.
    pub(crate) fn read(data: &[u8], offset: usize) -> Result<Self> {
        let reader = ProducersSectionReader::new(BinaryReader::new(data, offset))
            .context("the `producers` section is malformed")?;
        let mut producers = Self::default();
        for field in reader {
            let field = field.context("the `producers` section is malformed")?;
            for value in field.values {
                let value = value.context("the `producers` section is malformed")?;
                producers.add(field.name, value.name, value.version);
            }
        }
        Ok(producers)
    }

    /// The fields and their values, in order.
    pub(crate) fn fields(&self) -> &[(String, Vec<(String, String)>)] {
        &self.fields
    }

    fn encode(&self) -> ProducersSection {
        let mut section = ProducersSection::new();
        for (name, values) in &self.fields {
            let mut field = ProducersField::new();
            for (value, version) in values {
                field.value(value, version);
            }
            section.field(name, &field);
        }
        section
    }
}

/// Makes an artifact of a snapshot: keeps only the exports `contract` names (its functions and
/// `memory`), replaces any previous build info with `build_info`, and writes one `producers`
/// section that merges the module's own (from rustc, clang, …) with kiln's.
pub(crate) fn finish(wasm: &[u8], contract: &Contract, build_info: &[u8]) -> Result<Vec<u8>> {
    let keep = contract.runtime_exports();
    let mut producers = Producers::default();
    let mut module = Module::new();
    for payload in payloads(wasm)? {
        let payload = payload?;
        match &payload {
            Payload::ExportSection(reader) => {
                let mut exports = ExportSection::new();
                for export in reader.clone() {
                    let export = export?;
                    if keep.contains(&export.name) {
                        exports.export(export.name, export_kind(export.kind), export.index);
                    }
                }
                module.section(&exports);
            }
            Payload::CustomSection(reader) if reader.name() == BUILD_INFO_SECTION => {}
            Payload::CustomSection(reader) if reader.name() == PRODUCERS_SECTION => {
                producers.merge(&Producers::read(reader.data(), reader.data_offset())?);
            }
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    module.section(&RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    producers.merge(&Producers::kiln());
    module.section(&CustomSection {
        name: BUILD_INFO_SECTION.into(),
        data: build_info.into(),
    });
    module.section(&producers.encode());
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
pub(crate) fn precompile(wasm: &[u8]) -> Result<Vec<u8>> {
    let engine = engine::engine(Allocation::OnDemand)?;
    Ok(engine.precompile_module(wasm)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract;
    use crate::test_support::{executor_contract, module, GUEST_WAT};

    /// Names of the custom sections of `wasm`, in order, with their payloads.
    fn custom_sections(wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
        payloads(wasm)
            .unwrap()
            .filter_map(|payload| match payload.unwrap() {
                Payload::CustomSection(reader) => {
                    Some((reader.name().to_string(), reader.data().to_vec()))
                }
                _ => None,
            })
            .collect()
    }

    fn producers_of(wasm: &[u8]) -> Producers {
        let sections: Vec<_> = custom_sections(wasm)
            .into_iter()
            .filter(|(name, _)| name == PRODUCERS_SECTION)
            .collect();
        assert_eq!(sections.len(), 1, "exactly one producers section");
        Producers::read(&sections[0].1, 0).unwrap()
    }

    fn finished() -> Vec<u8> {
        finish(
            &module(GUEST_WAT),
            &executor_contract(),
            br#"{"kind":"test"}"#,
        )
        .unwrap()
    }

    #[test]
    fn finish_keeps_only_the_runtime_exports() {
        let guest = module(GUEST_WAT);
        let before = contract::surface(&guest).unwrap();
        assert!(before.exports.iter().any(|e| e.name == "kiln_init"));
        let after = contract::surface(&finished()).unwrap();
        let names: Vec<_> = after.exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["memory", "kiln_call", "kiln_compile_code"]);
        assert_eq!(after.imports, before.imports, "imports are untouched");
        contract::check(&executor_contract(), &finished()).unwrap();
    }

    #[test]
    fn finish_replaces_the_build_info_instead_of_adding_one() {
        let artifact = finished();
        let infos: Vec<_> = custom_sections(&artifact)
            .into_iter()
            .filter(|(name, _)| name == BUILD_INFO_SECTION)
            .collect();
        assert_eq!(
            infos,
            [(
                BUILD_INFO_SECTION.to_string(),
                br#"{"kind":"test"}"#.to_vec()
            )]
        );
        // Finishing an artifact again still leaves one build info, the new one.
        let again = finish(&artifact, &executor_contract(), b"{}").unwrap();
        let infos: Vec<_> = custom_sections(&again)
            .into_iter()
            .filter(|(name, _)| name == BUILD_INFO_SECTION)
            .map(|(_, data)| data)
            .collect();
        assert_eq!(infos, [b"{}".to_vec()]);
    }

    #[test]
    fn finish_merges_the_producers_section() {
        let producers = producers_of(&finished());
        let expected = [
            (
                "language".to_string(),
                vec![
                    ("Rust".to_string(), String::new()),
                    ("JavaScript".to_string(), String::new()),
                ],
            ),
            (
                "processed-by".to_string(),
                vec![
                    ("rustc".to_string(), "1.95.0".to_string()),
                    ("kiln".to_string(), kiln_runner::KILN_VERSION.to_string()),
                    ("wasmtime-wizer".to_string(), WIZER_VERSION.to_string()),
                ],
            ),
        ];
        assert_eq!(producers.fields(), expected);
        // Idempotent: a second pass adds nothing.
        let again = finish(&finished(), &executor_contract(), b"{}").unwrap();
        assert_eq!(producers_of(&again), producers);
    }

    #[test]
    fn finish_writes_one_producers_section_for_several() {
        let wat = GUEST_WAT.replace(
            "(@producers",
            "(@producers (sdk \"wasi-sdk\" \"25\") (processed-by \"clang\" \"19\")) (@producers",
        );
        let guest = module(&wat);
        let count = custom_sections(&guest)
            .iter()
            .filter(|(name, _)| name == PRODUCERS_SECTION)
            .count();
        assert_eq!(count, 2, "the fixture has two producers sections");
        let artifact = finish(&guest, &executor_contract(), b"{}").unwrap();
        let producers = producers_of(&artifact);
        let field = |name: &str| {
            producers
                .fields()
                .iter()
                .find(|(f, _)| f == name)
                .map(|(_, values)| values.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(field("sdk"), ["wasi-sdk"]);
        assert_eq!(
            field("processed-by"),
            ["clang", "rustc", "kiln", "wasmtime-wizer"]
        );
    }

    #[test]
    fn finish_copies_the_other_sections_and_is_deterministic() {
        let guest = module(GUEST_WAT);
        let artifact = finished();
        assert_eq!(artifact, finished());
        let sections = |wasm: &[u8]| -> Vec<(u8, Vec<u8>)> {
            payloads(wasm)
                .unwrap()
                .filter_map(|p| p.unwrap().as_section())
                .filter(|(id, _)| *id != 0 && *id != 7)
                .map(|(id, range)| (id, wasm[range].to_vec()))
                .collect()
        };
        assert_eq!(sections(&artifact), sections(&guest));
        assert!(
            sections(&guest).iter().any(|(id, _)| *id == 11),
            "data kept"
        );
    }

    #[test]
    fn header_check_refuses_components_and_unknown_versions() {
        assert_eq!(check_header(&module("(module)")), Ok(()));
        let component = wat::parse_str("(component)").unwrap();
        assert_eq!(
            check_header(&component),
            Err(ModuleFormatError::Component(0x0d))
        );
        assert_eq!(
            check_header(b"\0asm\x02\0\0\0"),
            Err(ModuleFormatError::UnknownVersion {
                version: 2,
                layer: 0
            })
        );
        assert_eq!(
            check_header(b"\0asm\x01\0"),
            Err(ModuleFormatError::NotWasm)
        );
        assert_eq!(
            check_header(b"\x7fELF\x01\0\0\0"),
            Err(ModuleFormatError::NotWasm)
        );

        let error = finish(&component, &executor_contract(), b"{}").unwrap_err();
        assert!(format!("{error:#}").contains("component"), "{error:#}");
        let error = finish(b"\0asm\x02\0\0\0", &executor_contract(), b"{}").unwrap_err();
        assert!(
            format!("{error:#}").contains("unknown WebAssembly binary version 0x0002"),
            "{error:#}"
        );
    }

    #[test]
    fn producers_add_updates_instead_of_duplicating() {
        let mut producers = Producers::default();
        producers.add("processed-by", "kiln", "0.0.1");
        producers.add("processed-by", "kiln", "0.0.2");
        producers.add("language", "JavaScript", "");
        assert_eq!(
            producers.fields(),
            [
                (
                    "processed-by".to_string(),
                    vec![("kiln".to_string(), "0.0.2".to_string())]
                ),
                (
                    "language".to_string(),
                    vec![("JavaScript".to_string(), String::new())]
                ),
            ]
        );
        let mut encoded = Module::new();
        encoded.section(&producers.encode());
        let bytes = encoded.finish();
        assert_eq!(producers_of(&bytes), producers, "encode and read agree");
    }

    #[test]
    fn wizer_version_matches_the_lock_file() {
        let lock = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"),
        )
        .unwrap();
        let mut lines = lock.lines();
        let mut version = None;
        while let Some(line) = lines.next() {
            if line == "name = \"wasmtime-wizer\"" {
                version = lines.next().and_then(|l| l.strip_prefix("version = "));
            }
        }
        assert_eq!(version, Some(format!("\"{WIZER_VERSION}\"").as_str()));
    }
}
