//! kiln's integration tests: one binary (the wasmtime/Wizer layout) that builds the real
//! artifacts once per run, shares them with every trial, and names one trial per case.
//!
//! Trials are named `<area>::<test>`, and corpus cases `<artifact kind>::<corpus>::<case>`
//! (`snapshot::hostile::bomb_map`, `plain::fixtures::add`), so any one of them runs alone with
//! a name filter (`cargo test --release --test all -- snapshot::hostile::bomb_map --exact`)
//! and `-- --list` names them all. A failing trial is reported by name and never hides the
//! others. The harness is libtest-mimic: the usual libtest flags (`--list`, `--exact`,
//! `--skip`, `--test-threads`, `--ignored`) work.
//!
//! The long runs are trials too, kept short by default: `make fuzz` runs
//! `fuzz::generated_requests` for a time budget, `make soak` runs `soak::long_mixed_stream`
//! over 10,000 calls, `make soak-http` runs `http::soak` over 10,000 HTTP calls.

mod bench;
mod big;
mod cli;
mod code_cache;
mod common;
mod conformance;
mod converters;
mod corpus;
mod custom;
mod errors;
mod fuel;
mod fuzz;
mod http;
mod json_parser;
mod lexical;
mod pipeline;
mod runner;
mod soak;

fn main() {
    let arguments = libtest_mimic::Arguments::from_args();
    common::isolate_environment();
    let mut trials = Vec::new();
    trials.extend(pipeline::trials());
    trials.extend(corpus::trials());
    trials.extend(conformance::trials());
    trials.extend(runner::trials());
    trials.extend(big::trials());
    trials.extend(converters::trials());
    trials.extend(errors::trials());
    trials.extend(cli::trials());
    trials.extend(code_cache::trials());
    trials.extend(fuel::trials());
    trials.extend(bench::trials());
    trials.extend(custom::trials());
    trials.extend(json_parser::trials());
    trials.extend(lexical::trials());
    trials.extend(fuzz::trials());
    trials.extend(soak::trials());
    trials.extend(http::trials());
    common::check_unique_names(&trials);
    let conclusion = libtest_mimic::run(&arguments, trials);
    let builds = common::PIPELINE_BUILDS.load(std::sync::atomic::Ordering::SeqCst);
    if builds > 0 {
        eprintln!("kiln tests: {builds} pipeline build(s) in this run");
    }
    conclusion.exit();
}
