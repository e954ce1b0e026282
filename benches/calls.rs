//! Criterion benchmarks of the in-process paths: a fresh instance plus one call, snapshot vs
//! the bytecode and plain baselines (the control-vs-snapshot comparison wizer makes), on each
//! call of the standard set. Builds its own artifacts with the real pipeline.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kiln::bench::default_calls;
use kiln_compiler::{build, ArtifactKind, BuildOptions};
use kiln_runner::engine::Allocation;
use kiln_runner::{Limits, Runner};
use std::path::PathBuf;

fn runners() -> Vec<(ArtifactKind, Runner)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut options = BuildOptions::new(&root);
    options.out_dir = root.join("target/kiln-bench");
    let report = build(&options, &mut |_| {}).expect("kiln build");
    ArtifactKind::ALL
        .into_iter()
        .map(|kind| {
            let cwasm = report.artifact(kind).and_then(|a| a.cwasm.clone()).unwrap();
            let runner = Runner::load(
                &cwasm,
                Allocation::Pooling { instances: 4 },
                Limits::default(),
            )
            .expect("artifact loads");
            (kind, runner)
        })
        .collect()
}

fn calls(c: &mut Criterion) {
    let runners = runners();
    for call in default_calls() {
        let mut group = c.benchmark_group(call.name);
        for (kind, runner) in &runners {
            group.bench_function(BenchmarkId::new("instantiate+call", kind.name()), |b| {
                b.iter(|| {
                    let outcome = runner.call(&call.request);
                    assert!(outcome.error.is_none());
                    outcome
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = calls
}
criterion_main!(benches);
