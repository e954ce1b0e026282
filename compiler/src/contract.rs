//! Checks a built module against its contract, `wit/executor.wit`: the only exports are the
//! world's functions (plus `memory`), and every import is a function of the WASI preview 1
//! interface the world imports, with the signature the WIT declares.
//!
//! Core names are the WIT names with `-` turned into `_`; WIT `u32`/`s32` are core `i32`,
//! `u64`/`s64` are core `i64`.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use wasmparser::{Parser, Payload, TypeRef, ValType};
use wit_parser::{Resolve, Type, WorldItem, WorldKey};

/// A core function signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |types: &[ValType]| {
            types
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(f, "[{}] -> [{}]", list(&self.params), list(&self.results))
    }
}

/// One import or export of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub module: Option<String>,
    pub name: String,
    /// `None` for non-function items (memories, tables, globals).
    pub signature: Option<Signature>,
    pub kind: &'static str,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(module) = &self.module {
            write!(f, "{module}.")?;
        }
        write!(f, "{} ({}", self.name, self.kind)?;
        if let Some(signature) = &self.signature {
            write!(f, " {signature}")?;
        }
        write!(f, ")")
    }
}

/// The imports and exports of a module.
#[derive(Debug, Default)]
pub struct Surface {
    pub imports: Vec<Item>,
    pub exports: Vec<Item>,
}

/// Reads the imports and exports of a core module.
pub fn surface(wasm: &[u8]) -> Result<Surface> {
    let mut types: Vec<Signature> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut surface = Surface::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty?;
                    types.push(Signature {
                        params: ty.params().to_vec(),
                        results: ty.results().to_vec(),
                    });
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let (kind, signature) = match import.ty {
                        TypeRef::Func(index) | TypeRef::FuncExact(index) => {
                            func_types.push(index);
                            ("func", types.get(index as usize).cloned())
                        }
                        TypeRef::Memory(_) => ("memory", None),
                        TypeRef::Table(_) => ("table", None),
                        TypeRef::Global(_) => ("global", None),
                        TypeRef::Tag(_) => ("tag", None),
                    };
                    surface.imports.push(Item {
                        module: Some(import.module.to_string()),
                        name: import.name.to_string(),
                        signature,
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for index in reader {
                    func_types.push(index?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let (kind, signature) = match export.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            let ty = func_types
                                .get(export.index as usize)
                                .and_then(|t| types.get(*t as usize))
                                .cloned();
                            ("func", ty)
                        }
                        wasmparser::ExternalKind::Memory => ("memory", None),
                        wasmparser::ExternalKind::Table => ("table", None),
                        wasmparser::ExternalKind::Global => ("global", None),
                        wasmparser::ExternalKind::Tag => ("tag", None),
                    };
                    surface.exports.push(Item {
                        module: None,
                        name: export.name.to_string(),
                        signature,
                        kind,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(surface)
}

/// The contract read from a WIT file: allowed imports and required exports, by core name.
#[derive(Debug)]
pub struct Contract {
    pub imports: BTreeMap<(String, String), Signature>,
    pub exports: BTreeMap<String, Signature>,
}

/// Name of the world in `wit/executor.wit` that describes an executor artifact.
pub const WORLD: &str = "executor";

fn core_name(wit_name: &str) -> String {
    wit_name.replace('-', "_")
}

fn core_type(ty: &Type) -> Result<ValType> {
    Ok(match ty {
        Type::U32 | Type::S32 | Type::U16 | Type::S16 | Type::U8 | Type::S8 | Type::Bool => {
            ValType::I32
        }
        Type::U64 | Type::S64 => ValType::I64,
        Type::F32 => ValType::F32,
        Type::F64 => ValType::F64,
        other => bail!("the contract uses {other:?}, which has no single core type"),
    })
}

fn signature(function: &wit_parser::Function) -> Result<Signature> {
    Ok(Signature {
        params: function
            .params
            .iter()
            .map(|p| core_type(&p.ty))
            .collect::<Result<_>>()?,
        results: function
            .result
            .iter()
            .map(core_type)
            .collect::<Result<_>>()?,
    })
}

/// Loads the contract from a WIT file.
pub fn load(wit: &Path) -> Result<Contract> {
    let mut resolve = Resolve::default();
    let package = resolve
        .push_file(wit)
        .with_context(|| format!("parsing {}", wit.display()))?;
    let world_id = resolve.select_world(&[package], Some(WORLD))?;
    let world = &resolve.worlds[world_id];
    let mut contract = Contract {
        imports: BTreeMap::new(),
        exports: BTreeMap::new(),
    };
    for (key, item) in &world.imports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let interface = &resolve.interfaces[*id];
        let module = match key {
            WorldKey::Name(name) => core_name(name),
            WorldKey::Interface(_) => core_name(interface.name.as_deref().unwrap_or_default()),
        };
        for function in interface.functions.values() {
            contract.imports.insert(
                (module.clone(), core_name(&function.name)),
                signature(function)?,
            );
        }
    }
    for item in world.exports.values() {
        if let WorldItem::Function(function) = item {
            contract
                .exports
                .insert(core_name(&function.name), signature(function)?);
        }
    }
    Ok(contract)
}

/// Checks a module against the contract; the error lists every violation.
pub fn check(contract: &Contract, wasm: &[u8]) -> Result<()> {
    let surface = surface(wasm)?;
    let mut problems = Vec::new();
    for import in &surface.imports {
        let key = (
            import.module.clone().unwrap_or_default(),
            import.name.clone(),
        );
        match (contract.imports.get(&key), &import.signature) {
            (Some(expected), Some(actual)) if expected == actual => {}
            (Some(expected), _) => problems.push(format!(
                "import {import} does not match the contract's {expected}"
            )),
            (None, _) => problems.push(format!("import {import} is not in the contract")),
        }
    }
    let mut memory = false;
    for export in &surface.exports {
        if export.kind == "memory" && export.name == "memory" {
            memory = true;
            continue;
        }
        match (contract.exports.get(&export.name), &export.signature) {
            (Some(expected), Some(actual)) if expected == actual => {}
            (Some(expected), _) => problems.push(format!(
                "export {export} does not match the contract's {expected}"
            )),
            (None, _) => problems.push(format!("export {export} is not in the contract")),
        }
    }
    if !memory {
        problems.push("the module does not export its `memory`".to_string());
    }
    for name in contract.exports.keys() {
        if !surface.exports.iter().any(|e| &e.name == name) {
            problems.push(format!("the contract's export `{name}` is missing"));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the module breaks wit/executor.wit:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}
