//! The `kiln` command line: parses arguments and hands each subcommand to the libraries.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod commands;

#[derive(Parser)]
#[command(
    name = "kiln",
    version,
    about = "Build and run a sandboxed JavaScript function executor, ahead of time"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Build(commands::build::Args),
    Run(commands::run::Args),
    Inspect(commands::inspect::Args),
    Bench(commands::bench::Args),
    Serve(commands::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => commands::build::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Serve(args) => commands::serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`kiln run --jsonl … | head -1`): nobody is left
        // to tell, and stopping early is what they asked for.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether a write to a closed pipe caused `error`, anywhere in its chain of causes.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref().is_some_and(io_broken_pipe))
}

/// Whether `error` is a broken pipe, or an I/O error wrapping one.
fn io_broken_pipe(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::BrokenPipe
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref())
            .is_some_and(io_broken_pipe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use clap::error::ErrorKind;
    use clap::CommandFactory;
    use std::io;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn run_args(args: &[&str]) -> Result<commands::run::Args, clap::Error> {
        let cli = Cli::try_parse_from(["kiln", "run"].iter().chain(args))?;
        match cli.command {
            Command::Run(args) => Ok(args),
            _ => panic!("`kiln run` parses as the run command"),
        }
    }

    #[test]
    fn a_request_file_conflicts_with_jsonl() {
        for args in [
            &["--jsonl", "request.json"][..],
            &["request.json", "--jsonl"],
            &["--jsonl", "-"],
        ] {
            let error = run_args(args).err().expect("rejected");
            assert_eq!(error.kind(), ErrorKind::ArgumentConflict, "{args:?}");
            let message = error.to_string();
            assert!(
                message.contains("--jsonl") && message.contains("REQUEST"),
                "{args:?}: {message}"
            );
        }
    }

    #[test]
    fn jobs_requires_jsonl() {
        for args in [
            &["--jobs", "4"][..],
            &["--jobs", "1"],
            &["--fuel", "9", "--jobs", "2"],
        ] {
            let error = run_args(args).err().expect("rejected");
            assert_eq!(error.kind(), ErrorKind::MissingRequiredArgument, "{args:?}");
            assert!(error.to_string().contains("--jsonl"), "{args:?}: {error}");
        }
    }

    #[test]
    fn jobs_conflicts_with_a_request_file() {
        for args in [&["--jobs", "2", "request.json"][..], &["-", "--jobs", "2"]] {
            let error = run_args(args).err().expect("rejected");
            assert_eq!(error.kind(), ErrorKind::ArgumentConflict, "{args:?}");
            let message = error.to_string();
            assert!(
                message.contains("--jobs") && message.contains("REQUEST"),
                "{args:?}: {message}"
            );
        }
    }

    #[test]
    fn valid_run_combinations_parse() {
        let args = run_args(&[]).unwrap();
        assert_eq!((args.request, args.jsonl, args.jobs), (None, false, 1));
        let args = run_args(&["request.json", "--fuel", "5"]).unwrap();
        assert_eq!(args.request.as_deref(), Some("request.json".as_ref()));
        assert!(!args.jsonl);
        let args = run_args(&["-"]).unwrap();
        assert_eq!(args.request.as_deref(), Some("-".as_ref()));
        let args = run_args(&["--jsonl"]).unwrap();
        assert_eq!((args.request, args.jsonl, args.jobs), (None, true, 1));
        let args = run_args(&["--jsonl", "--jobs", "3"]).unwrap();
        assert_eq!((args.request, args.jsonl, args.jobs), (None, true, 3));
    }

    #[test]
    fn broken_pipes_are_found_anywhere_in_the_chain() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::new(pipe())));
        let wrapped = Err::<(), _>(pipe())
            .context("writing an answer")
            .context("serving the stream")
            .unwrap_err();
        assert!(is_broken_pipe(&wrapped));
        // An io::Error carrying another io::Error as its source.
        assert!(is_broken_pipe(&anyhow::Error::new(
            io::Error::other(pipe())
        )));
    }

    #[test]
    fn other_errors_are_not_broken_pipes() {
        assert!(!is_broken_pipe(&anyhow::anyhow!("Broken pipe")));
        let denied = Err::<(), _>(io::Error::from(io::ErrorKind::PermissionDenied))
            .context("writing an answer")
            .unwrap_err();
        assert!(!is_broken_pipe(&denied));
    }
}
