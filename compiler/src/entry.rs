//! Stage "bundle" for a custom executor (`kiln build --entry`): finds the project the entry
//! module lives in, has `scripts/bundle-entry.mjs` (rollup, node-resolve, commonjs) bundle it
//! with its npm dependencies behind a generated wrapper, and names every way an entry can fail
//! to become an executor as an [`EntryError`] — at bundling, and when its top level runs under
//! Wizer ([`build_failure`]).

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundler of custom entries, relative to kiln's project root.
pub const BUNDLER: &str = "scripts/bundle-entry.mjs";

/// What the wrapper throws when the entry's top level, or its `init`, fails at build time
/// (the guest reports it on stderr): the marker, then a JSON object.
const BUILD_FAILURE: &str = "kiln-build-failure ";

/// What the bundler prints on stdout for a failure it can name.
const BUNDLE_ERROR: &str = "kiln-bundle-error ";

/// Why an entry module could not be built into an executor.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// The entry file does not exist.
    #[error("the entry module {0} does not exist")]
    MissingEntry(PathBuf),
    /// The entry has no `handle` export.
    #[error(
        "the entry module {entry} does not export `handle` (its exports: {exports}); a kiln \
         entry must `export function handle(requestText)` returning a string or a promise of one"
    )]
    NoHandle {
        /// The entry.
        entry: PathBuf,
        /// What it does export, comma-separated ("none" when nothing).
        exports: String,
    },
    /// `handle` or `init` is exported but is not a function, or `init` returned a promise.
    #[error("the entry module's exports break the contract: {0}")]
    BadExport(String),
    /// The entry or one of its dependencies imports a Node built-in.
    #[error(
        "{importer} imports the Node built-in `{module}`: executors run in QuickJS, which has no \
         Node built-ins (fs, process, net, …); use a package that works without them"
    )]
    NodeBuiltin {
        /// The built-in, as written (`fs`, `node:fs`).
        module: String,
        /// The module that imports it.
        importer: String,
    },
    /// A package the entry (or a dependency) imports is not installed in its project.
    #[error(
        "{importer} imports the package `{package}`, which is not installed in {project} (add it \
         to that project's package.json and run `npm install` there)"
    )]
    MissingPackage {
        /// The import that could not be resolved.
        package: String,
        /// The module that imports it.
        importer: String,
        /// The project dependencies are resolved in.
        project: PathBuf,
    },
    /// The entry's top level (or `init`) threw when it was evaluated at build time.
    #[error("the entry module's top level threw at build time: {message}{}", stack_lines(.stack))]
    TopLevelThrew {
        /// The thrown value's `name: message` (or its text).
        message: String,
        /// The JS stack, as QuickJS wrote it (lines of the bundle, `kiln-executor.js`).
        stack: String,
    },
    /// rollup failed for a reason kiln does not name (a syntax error, say).
    #[error("rollup could not bundle {entry}:\n{message}")]
    Rollup {
        /// The entry.
        entry: PathBuf,
        /// rollup's message.
        message: String,
    },
    /// Node.js could not be started.
    #[error("running node (is Node.js installed?): {0}")]
    Node(std::io::Error),
}

fn stack_lines(stack: &str) -> String {
    let stack = stack.trim_end();
    if stack.is_empty() {
        String::new()
    } else {
        format!("\n{stack}")
    }
}

/// The project an entry's dependencies come from: the nearest folder, from the entry's own
/// upwards, that holds a `package.json`; the entry's folder when none does.
pub fn project_of(entry: &Path) -> PathBuf {
    let folder = entry.parent().unwrap_or(Path::new("/"));
    folder
        .ancestors()
        .find(|dir| dir.join("package.json").is_file())
        .unwrap_or(folder)
        .to_path_buf()
}

/// A failure the bundler named.
#[derive(Deserialize)]
struct Named {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    module: String,
    #[serde(default)]
    importer: String,
    #[serde(default)]
    exports: Vec<String>,
    #[serde(default)]
    message: String,
}

/// Bundles `entry` (an absolute path) into `out` with kiln's rollup from `root`; returns the
/// script.
pub fn bundle(root: &Path, entry: &Path, out: &Path) -> anyhow::Result<String> {
    use anyhow::Context;
    if !entry.is_file() {
        return Err(EntryError::MissingEntry(entry.to_path_buf()).into());
    }
    let entry = entry
        .canonicalize()
        .with_context(|| format!("resolving {}", entry.display()))?;
    let project = project_of(&entry);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let output = Command::new("node")
        .current_dir(root)
        .arg(root.join(BUNDLER))
        .arg(&entry)
        .arg(&project)
        .arg(out)
        .output()
        .map_err(EntryError::Node)?;
    if !output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let named = stdout
            .lines()
            .find_map(|line| line.strip_prefix(BUNDLE_ERROR))
            .and_then(|json| serde_json::from_str::<Named>(json).ok());
        let relative = |path: &str| {
            Path::new(path)
                .strip_prefix(&project)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| path.to_string())
        };
        let error = match named {
            Some(named) => match named.kind.as_str() {
                "node-builtin" => EntryError::NodeBuiltin {
                    module: named.module,
                    importer: relative(&named.importer),
                },
                "missing-package" => EntryError::MissingPackage {
                    package: named.module,
                    importer: relative(&named.importer),
                    project,
                },
                "no-handle" => EntryError::NoHandle {
                    entry,
                    exports: if named.exports.is_empty() {
                        "none".to_string()
                    } else {
                        named.exports.join(", ")
                    },
                },
                _ => EntryError::Rollup {
                    entry,
                    message: named.message,
                },
            },
            None => EntryError::Rollup {
                entry,
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            },
        };
        return Err(error.into());
    }
    std::fs::read_to_string(out).with_context(|| format!("reading the bundle {}", out.display()))
}

/// The error of a build-time failure the wrapper reported (in what the guest wrote on stderr
/// when its `kiln_init` failed), if it reported one.
pub fn build_failure(stderr: &str) -> Option<EntryError> {
    #[derive(Deserialize)]
    struct Reported {
        #[serde(rename = "type")]
        kind: String,
        message: String,
        #[serde(default)]
        stack: String,
    }
    let at = stderr.find(BUILD_FAILURE)?;
    let json = stderr[at + BUILD_FAILURE.len()..].lines().next()?;
    let reported: Reported = serde_json::from_str(json).ok()?;
    Some(match reported.kind.as_str() {
        "top-level-threw" => EntryError::TopLevelThrew {
            message: reported.message,
            stack: reported.stack,
        },
        _ => EntryError::BadExport(reported.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_top_level_throw_reads_back_with_its_stack() {
        let said = "kiln guest: kiln-build-failure {\"type\":\"top-level-threw\",\"message\":\
                    \"TypeError: no\",\"stack\":\"    at <eval> (kiln-executor.js:3:9)\\n\"}";
        let error = build_failure(said).expect("reported");
        assert_eq!(
            error.to_string(),
            "the entry module's top level threw at build time: TypeError: no\n    at <eval> \
             (kiln-executor.js:3:9)"
        );
        let said = "kiln guest: kiln-build-failure {\"type\":\"init-returned-promise\",\
                    \"message\":\"`init` returned a promise\",\"stack\":\"\"}";
        assert_eq!(
            build_failure(said).unwrap().to_string(),
            "the entry module's exports break the contract: `init` returned a promise"
        );
        assert!(build_failure("kiln guest: something else").is_none());
    }

    #[test]
    fn the_project_is_the_nearest_folder_with_a_package_json() {
        let dir = std::env::temp_dir().join(format!("kiln-entry-project-{}", std::process::id()));
        let nested = dir.join("app/src/lib");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(dir.join("app/package.json"), "{}").unwrap();
        assert_eq!(project_of(&nested.join("index.js")), dir.join("app"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
