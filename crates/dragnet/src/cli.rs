//! The command line: every subcommand and flag, with the help text users read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// dragnet runs Microsoft Sentinel / Defender KQL detections, unmodified,
/// over telemetry from Linux container hosts and Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "dragnet", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that a KQL query parses; print its diagnostics (or its syntax tree).
    ///
    /// Exit status: 0 when the query is valid, 1 when it has errors, 2 when
    /// the command line or the input file is wrong.
    ///
    /// Examples:
    ///   dragnet check 'DeviceProcessEvents | where FileName =~ "kubectl"'
    ///   dragnet check --file rules/T1609/query.kql
    ///   cat query.kql | dragnet check --format json -
    #[command(verbatim_doc_comment)]
    Check(CheckArgs),
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Diagnostics for people: location, source line, caret, help.
    Text,
    /// One JSON object: {"ok":bool,"errors":[{"line","column","message",...}]}.
    Json,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The query text, or `-` to read it from standard input.
    #[arg(value_name = "QUERY", required_unless_present = "file", conflicts_with = "file")]
    pub query: Option<String>,

    /// Read the query from this file.
    #[arg(long, short = 'f', value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Also print the syntax tree (with byte spans).
    #[arg(long)]
    pub ast: bool,
}
