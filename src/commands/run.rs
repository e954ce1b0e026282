//! `kiln run`: executes calls against an artifact, one fresh instance per call.

use anyhow::{Context, Result};
use kiln_runner::engine::Allocation;
use kiln_runner::{Cache, Runner};
use std::io::{Read, Write};
use std::path::PathBuf;

/// Run function calls: one request (file or stdin), or one per line with --jsonl.
#[derive(clap::Args)]
pub struct Args {
    /// Request file; `-` or nothing reads stdin.
    // `jobs` is named too: clap lets a required argument be missing when it conflicts with one
    // present, so `requires = "jsonl"` alone would let `--jobs 2 request.json` through.
    #[arg(conflicts_with_all = ["jsonl", "jobs"])]
    pub(crate) request: Option<PathBuf>,
    /// Artifact to run (.cwasm is mapped as is; .wasm is compiled).
    #[arg(long, default_value = "target/kiln/executor.cwasm")]
    artifact: PathBuf,
    /// Read one request per stdin line and answer one per stdout line, in order (a Z22, or a
    /// custom executor's answer).
    #[arg(long)]
    pub(crate) jsonl: bool,
    /// Calls in flight at once with --jsonl (output stays in input order).
    #[arg(long, default_value_t = 1, requires = "jsonl")]
    pub(crate) jobs: usize,
    #[command(flatten)]
    limits: kiln::limits::LimitArgs,
    #[command(flatten)]
    code_cache: kiln::code_cache::CodeCacheArgs,
    /// With --jsonl: print the compiled-code cache's counters to stderr at the end.
    #[arg(long, requires = "jsonl")]
    stats: bool,
    /// Largest request accepted, in bytes.
    #[arg(long, default_value_t = 16 << 20)]
    max_request_bytes: usize,
    /// Fixed clock and randomness, no timing metadata: reproducible answers.
    #[arg(long)]
    deterministic: bool,
    /// Where compiled .wasm artifacts are cached [default: $KILN_CACHE_DIR, else
    /// $XDG_CACHE_HOME/kiln, else ~/.cache/kiln].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let limits = args.limits.limits(args.max_request_bytes);
    let jobs = args.jobs.max(1);
    // A stream of calls amortises the pooling allocator's set-up; a single call does not.
    let allocation = if args.jsonl {
        Allocation::Pooling {
            instances: (jobs as u32) * 2,
        }
    } else {
        Allocation::OnDemand
    };
    let cache = match &args.cache_dir {
        Some(dir) => Some(Cache::new(dir)),
        None => Cache::default_location(),
    };
    // What the artifact's build info says for the metadata; nothing when it cannot be read (a
    // module not built by `kiln build` still runs).
    let build_info = kiln_compiler::inspect::build_info(&args.artifact).ok();
    let mut runner = Runner::load_with_cache(&args.artifact, allocation, limits, cache.as_ref())?
        .reproducible(args.deterministic)
        .with_artifact_info(
            build_info
                .as_ref()
                .map(|b| b.artifact_info())
                .unwrap_or_default(),
        )
        .with_executor(build_info.map(|b| b.executor).unwrap_or_default());

    // Only a stream has later calls to serve from compiled code.
    if let (true, Some(code_cache)) = (args.jsonl, args.code_cache.cache()) {
        runner = runner.with_code_cache(code_cache);
    }
    for note in runner.notes() {
        eprintln!("kiln: {note}");
    }
    if args.jsonl {
        let input = std::io::BufReader::with_capacity(1 << 16, std::io::stdin());
        kiln::stream::jsonl(&runner, input, &mut std::io::stdout(), jobs)?;
        if args.stats {
            match runner.code_cache() {
                Some(cache) => eprintln!("kiln: {}", kiln::code_cache::summary(&cache.stats())),
                None => eprintln!("kiln: code cache: off"),
            }
        }
        return Ok(());
    }
    let request = match &args.request {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        _ => {
            let mut buffer = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buffer)
                .context("reading the request from stdin")?;
            buffer
        }
    };
    let outcome = kiln::stream::call(&runner, &request);
    writeln!(std::io::stdout().lock(), "{}", outcome.answer)?;
    Ok(())
}
