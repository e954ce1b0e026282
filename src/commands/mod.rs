//! One module per `kiln` subcommand; each only turns arguments into a library call.

pub mod bench;
pub mod build;
pub mod inspect;
pub mod run;
pub mod serve;
