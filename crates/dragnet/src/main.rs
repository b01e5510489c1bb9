//! The `dragnet` binary: parses the command line, runs one subcommand, and
//! turns its outcome into an exit status. This is the only crate that
//! prints, reads the environment or sets exit codes.

mod cli;
mod cmd;
mod input;
mod output;
mod progress;
mod signals;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// mimalloc instead of the system allocator: reading logs into tables and
/// turning matched rows into alerts make and free millions of small
/// values, which glibc's allocator spent about a tenth of `hunt`'s CPU
/// time on (docs/sigma-parity.md, Throughput). Built without transparent
/// huge pages (`no_thp`): with them the kernel's zeroing of fresh huge
/// pages cost more system time than the allocator saved.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The commands that run queries can spill to disk: a signal removes
    // their spill folders before the process exits.
    if matches!(cli.command, Command::Query(_) | Command::Hunt(_) | Command::Test(_))
        && let Err(e) = signals::install()
    {
        eprintln!("dragnet: {e:#}");
        return ExitCode::from(2);
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match &cli.command {
        Command::Check(args) => cmd::check::run(args, &mut out),
        Command::Query(args) => cmd::query::run(args, &mut out),
        Command::Ingest(args) => cmd::ingest::run(args, &mut out),
        Command::Hunt(args) => cmd::hunt::run(args, &mut out),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Rules(args) => cmd::rules::run(args, &mut out),
        Command::Coverage(args) => cmd::coverage::run(args, &mut out),
        Command::Test(args) => cmd::test::run(args, &mut out),
        Command::Catalog(args) => cmd::catalog::run(args, &mut out),
        Command::Sigma(args) => cmd::sigma::run(args, &mut out),
    };
    let flushed = out.flush();
    match result.and_then(|code| flushed.map(|_| code).map_err(Into::into)) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dragnet: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A closed pipe (`dragnet ... | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
