//! Checks a built module against its contract, `wit/executor.wit`: the only exports are the
//! world's functions (plus `memory`), and every import is a function of an interface the world
//! imports (WASI preview 1, kiln's code cache), with the signature the WIT declares.
//!
//! Core names are the WIT names with `-` turned into `_`; WIT `u32`/`s32` are core `i32`,
//! `u64`/`s64` are core `i64`.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use wasmparser::{Payload, TypeRef, ValType};
use wit_parser::{Resolve, Type, WorldItem, WorldKey};

/// A core function signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result types, in order.
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
    /// The module an import comes from; `None` for exports.
    pub module: Option<String>,
    /// The import's or export's name.
    pub name: String,
    /// `None` for non-function items (memories, tables, globals).
    pub signature: Option<Signature>,
    /// `func`, `memory`, `table`, `global` or `tag`.
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
    /// The imports, in module order.
    pub imports: Vec<Item>,
    /// The exports, in module order.
    pub exports: Vec<Item>,
}

/// Reads the imports and exports of a core module.
pub fn surface(wasm: &[u8]) -> Result<Surface> {
    let mut types: Vec<Signature> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut surface = Surface::default();
    for payload in crate::emit::payloads(wasm)? {
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
    /// The functions a module may import, by (core module, core name).
    pub imports: BTreeMap<(String, String), Signature>,
    /// The functions a module must export, by core name.
    pub exports: BTreeMap<String, Signature>,
}

impl Contract {
    /// Every export an artifact keeps: [`MEMORY_EXPORT`] and the world's functions. The emit
    /// stage drops all other exports (the build-time init and compile entries).
    pub fn runtime_exports(&self) -> Vec<&str> {
        std::iter::once(MEMORY_EXPORT)
            .chain(self.exports.keys().map(String::as_str))
            .collect()
    }
}

/// Name of the world in `wit/executor.wit` that describes an executor artifact.
pub const WORLD: &str = "executor";

/// The name under which every artifact exports its linear memory (WIT has no memories, so the
/// contract adds this one export to the world's functions).
pub const MEMORY_EXPORT: &str = "memory";

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
    from_world(&resolve, package).with_context(|| format!("reading {}", wit.display()))
}

/// Reads the contract from WIT source text; `path` only names it in error messages.
pub fn parse(path: &str, source: &str) -> Result<Contract> {
    let mut resolve = Resolve::default();
    let package = resolve
        .push_source(path, source)
        .with_context(|| format!("parsing {path}"))?;
    from_world(&resolve, package).with_context(|| format!("reading {path}"))
}

/// The contract the [`WORLD`] world of `package` describes.
fn from_world(resolve: &Resolve, package: wit_parser::PackageId) -> Result<Contract> {
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
        if export.kind == "memory" && export.name == MEMORY_EXPORT {
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
        problems.push(format!("the module does not export its `{MEMORY_EXPORT}`"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{executor_contract, module, GUEST_WAT};

    const GOOD: &str = r#"
    (module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      (import "kiln_code_cache" "lookup" (func (param i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "kiln_call"))
      (func (export "kiln_compile_code")))
    "#;

    fn problems(wat: &str) -> String {
        let error = check(&executor_contract(), &module(wat)).unwrap_err();
        format!("{error:#}")
    }

    #[test]
    fn a_module_that_keeps_the_contract_passes() {
        check(&executor_contract(), &module(GOOD)).unwrap();
    }

    #[test]
    fn a_missing_export_fails() {
        let text = problems(&GOOD.replace(r#"(func (export "kiln_call"))"#, ""));
        assert!(
            text.contains("the contract's export `kiln_call` is missing"),
            "{text}"
        );
        let text = problems(&GOOD.replace(r#"(memory (export "memory") 1)"#, "(memory 1)"));
        assert!(
            text.contains("the module does not export its `memory`"),
            "{text}"
        );
    }

    #[test]
    fn a_wrong_signature_fails() {
        let text = problems(&GOOD.replace(
            r#"(func (export "kiln_call"))"#,
            r#"(func (export "kiln_call") (param i32))"#,
        ));
        assert!(
            text.contains(
                "export kiln_call (func [i32] -> []) does not match the contract's [] -> []"
            ),
            "{text}"
        );
        let text = problems(&GOOD.replace(
            r#""proc_exit" (func (param i32))"#,
            r#""proc_exit" (func (param i64))"#,
        ));
        assert!(
            text.contains(
                "import wasi_snapshot_preview1.proc_exit (func [i64] -> []) does not match the \
                 contract's [i32] -> []"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_extra_import_or_export_fails() {
        let text = problems(&GOOD.replace(
            "(memory",
            r#"(import "wasi_snapshot_preview1" "path_open" (func)) (memory"#,
        ));
        assert!(
            text.contains(
                "import wasi_snapshot_preview1.path_open (func [] -> []) is not in the contract"
            ),
            "{text}"
        );
        let text = problems(&GOOD.replace("(memory", r#"(import "env" "x" (global i32)) (memory"#));
        assert!(
            text.contains("import env.x (global) is not in the contract"),
            "{text}"
        );
        // The wizened guest before emit still has its build-time exports.
        let text = problems(GUEST_WAT);
        assert!(
            text.contains("export kiln_init (func [] -> []) is not in the contract"),
            "{text}"
        );
        assert!(
            text.contains("export __stack_pointer (global) is not in the contract"),
            "{text}"
        );
    }

    #[test]
    fn every_problem_is_listed() {
        let text = problems(r#"(module (import "env" "x" (func)))"#);
        assert!(
            text.starts_with("the module breaks wit/executor.wit"),
            "{text}"
        );
        // The heading, the foreign import, no memory, and each of the two missing exports.
        assert_eq!(text.lines().count(), 5, "{text}");
    }

    #[test]
    fn the_runtime_exports_come_from_the_wit() {
        assert_eq!(
            executor_contract().runtime_exports(),
            ["memory", "kiln_call", "kiln_compile_code"]
        );
        let contract = parse(
            "other.wit",
            "package test:other;\n\
             world executor {\n\
               export kiln-call: func();\n\
               export kiln-warm-up: func(bytes: u32) -> u64;\n\
             }\n",
        )
        .unwrap();
        assert_eq!(
            contract.runtime_exports(),
            ["memory", "kiln_call", "kiln_warm_up"]
        );
        assert_eq!(
            contract.exports["kiln_warm_up"],
            Signature {
                params: vec![ValType::I32],
                results: vec![ValType::I64],
            }
        );
        assert!(contract.imports.is_empty());
    }

    #[test]
    fn the_wasi_imports_come_from_the_wit() {
        let contract = executor_contract();
        let key = |name: &str| ("wasi_snapshot_preview1".to_string(), name.to_string());
        assert_eq!(
            contract.imports[&key("clock_time_get")],
            Signature {
                params: vec![ValType::I32, ValType::I64, ValType::I32],
                results: vec![ValType::I32],
            }
        );
        assert!(!contract.imports.contains_key(&key("path_open")));
    }

    #[test]
    fn a_wit_without_the_world_is_refused() {
        let error = parse("w.wit", "package test:w;\nworld other {}\n").unwrap_err();
        assert!(format!("{error:#}").contains("executor"), "{error:#}");
    }

    #[test]
    fn surface_refuses_a_component() {
        let component = wat::parse_str("(component)").unwrap();
        let error = surface(&component).unwrap_err();
        assert!(
            format!("{error:#}").contains("not a core module"),
            "{error:#}"
        );
    }
}
