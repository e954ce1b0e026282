//! Stage "bytecode": compiles the executor bundle to QuickJS module bytecode by running the
//! guest's `kiln_compile` export, so the bytecode matches the guest's QuickJS exactly; and
//! asks the same guest which QuickJS that is (`kiln_quickjs_version`).

use crate::guest;
use anyhow::{ensure, Context, Result};
use wasmtime::{Engine, Module};

/// Compiles `source` with the guest's QuickJS.
pub fn compile(engine: &Engine, guest: &Module, source: &str) -> Result<Vec<u8>> {
    let bytecode = guest::run_export(engine, guest, "kiln_compile", source.as_bytes())
        .context("compiling the executor to QuickJS bytecode")?;
    ensure!(!bytecode.is_empty(), "the guest produced no bytecode");
    Ok(bytecode)
}

/// The version of the QuickJS built into the guest (`JS_GetVersion`, e.g. `0.15.1`), as the
/// guest's `kiln_quickjs_version` export reports it.
pub fn quickjs_version(engine: &Engine, guest: &Module) -> Result<String> {
    let out = guest::run_export(engine, guest, "kiln_quickjs_version", b"")
        .context("asking the guest for its QuickJS version")?;
    let version = String::from_utf8(out).context("the guest's QuickJS version is not UTF-8")?;
    let version = version.trim().to_string();
    ensure!(
        is_version(&version),
        "the guest reported {version:?} as its QuickJS version"
    );
    Ok(version)
}

/// `MAJOR.MINOR.PATCH`, optionally followed by a suffix (`0.15.1`, `0.10.1-dev`).
fn is_version(text: &str) -> bool {
    let core = text.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_version;

    #[test]
    fn versions_are_three_numbers() {
        assert!(is_version("0.15.1"));
        assert!(is_version("0.10.1-dev"));
        assert!(!is_version(""));
        assert!(!is_version("0.15"));
        assert!(!is_version("QuickJS 0.15.1"));
        assert!(!is_version("0.x.1"));
    }
}
