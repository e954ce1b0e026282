//! Stage "snapshot": runs one of the guest's init exports under Wizer and captures the
//! initialised instance as a new module. The instance sees deterministic WASI (fixed clock and
//! randomness), so the same inputs always give the same bytes.

use anyhow::{anyhow, Context, Result};
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wizer::{WasmtimeWizer, Wizer};

/// The guest instrumented for snapshots, compiled once and wizened once per init export.
pub struct Snapshotter<'a> {
    engine: Engine,
    context: wasmtime_wizer::ModuleContext<'a>,
    module: Module,
    linker: Linker<WasiP1Ctx>,
    runtime: tokio::runtime::Runtime,
}

impl<'a> Snapshotter<'a> {
    /// Instruments and compiles `guest`.
    pub fn new(guest: &'a [u8]) -> Result<Self> {
        let engine = Engine::default();
        let (context, instrumented) = Wizer::new()
            .instrument(guest)
            .map_err(|e| anyhow!(e))
            .context("instrumenting the guest for Wizer")?;
        let module = Module::new(&engine, &instrumented)
            .map_err(|e| anyhow!(e))
            .context("compiling the instrumented guest")?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |ctx: &mut WasiP1Ctx| ctx)?;
        // The top level evaluates no community code: no cache behind the imports.
        kiln_runner::code::add_absent_to_linker(&mut linker)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .context("starting the async runtime Wizer runs on")?;
        Ok(Self {
            engine,
            context,
            module,
            linker,
            runtime,
        })
    }

    /// Runs `init_func` with `input` on stdin and returns the snapshot, without `init_func`.
    pub fn wizen(&self, init_func: &str, input: &[u8]) -> Result<Vec<u8>> {
        let (wasi, _stdout, stderr) = crate::guest::build_time_wasi(input);
        let mut store = Store::new(&self.engine, wasi);
        let mut wizer = Wizer::new();
        wizer.init_func(init_func);
        let result: wasmtime::Result<Vec<u8>> = self.runtime.block_on(async {
            let instance = self
                .linker
                .instantiate_async(&mut store, &self.module)
                .await?;
            let init = instance.get_typed_func::<(), ()>(&mut store, init_func)?;
            init.call_async(&mut store, ()).await?;
            wizer
                .snapshot(
                    &self.context,
                    &mut WasmtimeWizer {
                        store: &mut store,
                        instance,
                    },
                )
                .await
        });
        result.map_err(|e| {
            let message = String::from_utf8_lossy(&stderr.contents())
                .trim()
                .to_string();
            // A custom entry's own failure is the whole story; the trap behind it is not.
            match crate::entry::build_failure(&message) {
                Some(failure) => failure.into(),
                None => anyhow!("`{init_func}` failed under Wizer: {message} ({e})"),
            }
        })
    }
}
