//! Stage "bundle": runs rollup (from the project's pinned npm packages) over `executor-js/` to
//! produce the one script the guest evaluates.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// Bundles the executor into `out` and returns the script.
pub fn bundle(root: &Path, out: &Path) -> Result<String> {
    let rollup = root.join("node_modules/rollup/dist/bin/rollup");
    if !rollup.is_file() {
        bail!(
            "rollup is not installed at {} (run `npm ci` or `make setup`)",
            rollup.display()
        );
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let output = Command::new("node")
        .current_dir(root)
        .arg(&rollup)
        .args(["--config", "rollup.config.mjs", "--silent", "--file"])
        .arg(out)
        .output()
        .context("running node (is Node.js installed?)")?;
    if !output.status.success() {
        bail!(
            "rollup failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    std::fs::read_to_string(out).with_context(|| format!("reading the bundle {}", out.display()))
}
