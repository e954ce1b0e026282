//! The whole `kiln build`: runs the stages in order, reports each stage's time, and writes the
//! artifacts and `build-info.json` into the output folder.

use crate::inspect::BuildInfo;
use crate::snapshot::Snapshotter;
use crate::{bundle, bytecode, contract, emit, entry, guest, sha256_hex};
use anyhow::{Context, Result};
use kiln_runner::ExecutorKind;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime::{Engine, Module};

/// The three artifacts kiln builds from one bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// The executor's top level already evaluated (Wizer snapshot): calls only run community
    /// code.
    Snapshot,
    /// The executor as QuickJS bytecode, its top level evaluated on every call (what Javy's
    /// static build does).
    Bytecode,
    /// The executor as source, parsed and evaluated by a fresh runtime on every call (how a
    /// per-call interpreter runs it).
    Plain,
}

impl ArtifactKind {
    /// Every kind, in build order.
    pub const ALL: [ArtifactKind; 3] = [
        ArtifactKind::Snapshot,
        ArtifactKind::Bytecode,
        ArtifactKind::Plain,
    ];

    /// File stem of the artifact in the output folder.
    pub fn stem(self) -> &'static str {
        match self {
            ArtifactKind::Snapshot => "executor",
            ArtifactKind::Bytecode => "executor-bytecode",
            ArtifactKind::Plain => "executor-plain",
        }
    }

    /// The kind's name in build info, reports and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            ArtifactKind::Snapshot => "snapshot",
            ArtifactKind::Bytecode => "bytecode",
            ArtifactKind::Plain => "plain",
        }
    }

    /// The guest export that prepares this kind under Wizer.
    pub fn init_func(self) -> &'static str {
        match self {
            ArtifactKind::Snapshot => "kiln_init",
            ArtifactKind::Bytecode => "kiln_init_bytecode",
            ArtifactKind::Plain => "kiln_init_plain",
        }
    }
}

/// What to build from where.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The project root (holds `executor-js/`, `guest/`, `wit/`, `node_modules/`).
    pub root: PathBuf,
    /// Where the artifacts go.
    pub out_dir: PathBuf,
    /// A prebuilt guest to use instead of building `guest/` with cargo.
    pub guest: Option<PathBuf>,
    /// Also write the `.cwasm` forms.
    pub precompile: bool,
    /// Build a custom executor from this ES module (its `handle` export and npm dependencies,
    /// see [`crate::entry`]) instead of kiln's own executor from `executor-js/`.
    pub entry: Option<PathBuf>,
}

impl BuildOptions {
    /// Builds from the project at `root` into `root/target/kiln`, with the guest built from
    /// source and the `.cwasm` forms written.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            out_dir: root.join("target/kiln"),
            root,
            guest: None,
            precompile: true,
            entry: None,
        }
    }
}

/// One finished stage.
#[derive(Clone, Debug, Serialize)]
pub struct StageTiming {
    /// The stage's name (`guest`, `bundle`, `bytecode`, `snapshot`, `emit`, …).
    pub name: &'static str,
    /// How long it took (milliseconds in JSON).
    #[serde(serialize_with = "as_millis")]
    pub duration: Duration,
    /// One line about what it produced.
    pub detail: String,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// One written artifact.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactReport {
    /// Which artifact.
    pub kind: ArtifactKind,
    /// Where its `.wasm` is.
    pub wasm: PathBuf,
    /// The `.wasm`'s size.
    pub wasm_bytes: u64,
    /// The `.wasm`'s hex SHA-256.
    pub wasm_sha256: String,
    /// Where its `.cwasm` is, if precompiled.
    pub cwasm: Option<PathBuf>,
    /// The `.cwasm`'s size, if precompiled.
    pub cwasm_bytes: Option<u64>,
}

/// Everything `kiln build` did; also written as `build-info.json`.
#[derive(Clone, Debug, Serialize)]
pub struct BuildReport {
    /// Which contract the artifacts' calls follow (`wikifunctions` or `custom`).
    pub executor: ExecutorKind,
    /// The entry module of a custom executor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<PathBuf>,
    /// The snapshot artifact's build info (the others differ only in `kind` and
    /// `bytecode_sha256`).
    pub info: BuildInfo,
    /// Where the rollup bundle was written.
    pub bundle: PathBuf,
    /// The bundle's size.
    pub bundle_bytes: u64,
    /// The size of the executor's QuickJS bytecode.
    pub bytecode_bytes: u64,
    /// The written artifacts, in [`ArtifactKind::ALL`] order.
    pub artifacts: Vec<ArtifactReport>,
    /// Every stage, in the order it ran.
    pub stages: Vec<StageTiming>,
}

impl BuildReport {
    /// The report of one artifact.
    pub fn artifact(&self, kind: ArtifactKind) -> Option<&ArtifactReport> {
        self.artifacts.iter().find(|a| a.kind == kind)
    }
}

struct Stages<'a> {
    list: Vec<StageTiming>,
    progress: &'a mut dyn FnMut(&StageTiming),
}

impl Stages<'_> {
    fn run<T>(
        &mut self,
        name: &'static str,
        work: impl FnOnce() -> Result<(T, String)>,
    ) -> Result<T> {
        let started = Instant::now();
        let (value, detail) = work().with_context(|| format!("stage `{name}`"))?;
        let timing = StageTiming {
            name,
            duration: started.elapsed(),
            detail,
        };
        (self.progress)(&timing);
        self.list.push(timing);
        Ok(value)
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Runs the whole pipeline; `progress` sees each stage as it finishes.
///
/// Needs Node.js (rollup) and, unless [`BuildOptions::guest`] names a prebuilt guest, the
/// wasm32-wasip1 toolchain. The same inputs give byte-identical artifacts.
///
/// ```no_run
/// use kiln_compiler::{build, ArtifactKind, BuildOptions};
///
/// let mut options = BuildOptions::new(".");
/// options.precompile = false;
/// let report = build(&options, &mut |stage| {
///     eprintln!("{:<10} {:?} {}", stage.name, stage.duration, stage.detail)
/// })?;
/// let snapshot = report.artifact(ArtifactKind::Snapshot).expect("always built");
/// println!("{} ({} bytes)", snapshot.wasm.display(), snapshot.wasm_bytes);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn build(
    options: &BuildOptions,
    progress: &mut dyn FnMut(&StageTiming),
) -> Result<BuildReport> {
    let root = &options.root;
    let out = &options.out_dir;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut stages = Stages {
        list: Vec::new(),
        progress,
    };

    let guest_path = stages.run("guest", || {
        let path = match &options.guest {
            Some(path) => path.clone(),
            None => guest::build(root)?,
        };
        let detail = format!("{}", path.display());
        Ok((path, detail))
    })?;
    let guest_wasm =
        std::fs::read(&guest_path).with_context(|| format!("reading {}", guest_path.display()))?;

    let bundle_path = out.join("bundle/executor.js");
    let source = stages.run("bundle", || {
        let source = match &options.entry {
            Some(entry) => entry::bundle(root, &std::path::absolute(entry)?, &bundle_path)?,
            None => bundle::bundle(root, &bundle_path)?,
        };
        let detail = format!("{} bytes", source.len());
        Ok((source, detail))
    })?;

    let engine = Engine::default();
    let (bytecode, quickjs_version) = stages.run("bytecode", || {
        let module = Module::new(&engine, &guest_wasm)?;
        let bytecode = bytecode::compile(&engine, &module, &source)?;
        let version = bytecode::quickjs_version(&engine, &module)?;
        let detail = format!(
            "{} bytes of QuickJS bytecode (QuickJS {version})",
            bytecode.len()
        );
        Ok(((bytecode, version), detail))
    })?;
    write(&out.join("bundle/executor.qjsbc"), &bytecode)?;

    let executor = match options.entry {
        Some(_) => ExecutorKind::Custom,
        None => ExecutorKind::Wikifunctions,
    };
    let (javy_version, rquickjs_version) = guest_versions(root);
    let info_for = |kind: ArtifactKind| BuildInfo {
        kiln_version: kiln_runner::KILN_VERSION.to_string(),
        kind: kind.name().to_string(),
        wasmtime_version: kiln_runner::WASMTIME_VERSION.to_string(),
        javy_version: javy_version.clone(),
        rquickjs_version: rquickjs_version.clone(),
        quickjs_version: quickjs_version.clone(),
        bundle_sha256: sha256_hex(source.as_bytes()),
        guest_sha256: sha256_hex(&guest_wasm),
        bytecode_sha256: (kind == ArtifactKind::Bytecode).then(|| sha256_hex(&bytecode)),
        executor,
    };

    let snapshotter = stages.run("instrument", || {
        let snapshotter = Snapshotter::new(&guest_wasm)?;
        Ok((
            snapshotter,
            "guest instrumented and compiled for Wizer".into(),
        ))
    })?;
    let mut wizened = Vec::new();
    for kind in ArtifactKind::ALL {
        let input: &[u8] = match kind {
            ArtifactKind::Bytecode => &bytecode,
            ArtifactKind::Snapshot | ArtifactKind::Plain => source.as_bytes(),
        };
        let stage = match kind {
            ArtifactKind::Snapshot => "snapshot",
            ArtifactKind::Bytecode => "wizer (bytecode baseline)",
            ArtifactKind::Plain => "wizer (plain baseline)",
        };
        let wasm = stages.run(stage, || {
            let wasm = snapshotter.wizen(kind.init_func(), input)?;
            let detail = format!("{} bytes", wasm.len());
            Ok((wasm, detail))
        })?;
        wizened.push((kind, wasm));
    }

    let contract = contract::load(&root.join("wit/executor.wit"))?;
    let finished = stages.run("emit", || {
        let mut finished = Vec::new();
        for (kind, wasm) in &wizened {
            let info = serde_json::to_vec(&info_for(*kind))?;
            let artifact = emit::finish(wasm, &contract, &info)?;
            contract::check(&contract, &artifact)
                .with_context(|| format!("checking the {} artifact", kind.name()))?;
            let path = out.join(format!("{}.wasm", kind.stem()));
            write(&path, &artifact)?;
            finished.push((*kind, path, artifact));
        }
        Ok((
            finished,
            "build-time exports dropped, build info and producers stamped, wit checked".into(),
        ))
    })?;

    let mut artifacts = Vec::new();
    let cwasms = if options.precompile {
        stages.run("precompile", || {
            let mut cwasms = Vec::new();
            for (kind, _, artifact) in &finished {
                let cwasm = emit::precompile(artifact)?;
                let path = out.join(format!("{}.cwasm", kind.stem()));
                write(&path, &cwasm)?;
                cwasms.push(Some((path, cwasm.len() as u64)));
            }
            Ok((cwasms, "for the runner's engine settings".into()))
        })?
    } else {
        vec![None; finished.len()]
    };
    for ((kind, path, artifact), cwasm) in finished.into_iter().zip(cwasms) {
        artifacts.push(ArtifactReport {
            kind,
            wasm: path,
            wasm_bytes: artifact.len() as u64,
            wasm_sha256: sha256_hex(&artifact),
            cwasm_bytes: cwasm.as_ref().map(|c| c.1),
            cwasm: cwasm.map(|c| c.0),
        });
    }

    let report = BuildReport {
        executor,
        entry: options.entry.clone(),
        info: info_for(ArtifactKind::Snapshot),
        bundle: bundle_path,
        bundle_bytes: source.len() as u64,
        bytecode_bytes: bytecode.len() as u64,
        artifacts,
        stages: stages.list,
    };
    write(
        &out.join("build-info.json"),
        &serde_json::to_vec_pretty(&report)?,
    )?;
    Ok(report)
}

/// The javy and rquickjs versions the guest is locked to (from `guest/Cargo.lock`).
fn guest_versions(root: &Path) -> (String, String) {
    let lock = std::fs::read_to_string(root.join("guest/Cargo.lock")).unwrap_or_default();
    let version_of = |name: &str| {
        let header = format!("name = \"{name}\"");
        let mut lines = lock.lines();
        while let Some(line) = lines.next() {
            if line.trim() == header {
                if let Some(version) = lines
                    .next()
                    .and_then(|l| l.trim().strip_prefix("version = "))
                {
                    return version.trim_matches('"').to_string();
                }
            }
        }
        "unknown".to_string()
    };
    (version_of("javy"), version_of("rquickjs"))
}
