//! `dragnet serve`: the command over the `serve` crate: flags into its
//! settings, logs to stderr, and a clean stop on SIGINT or SIGTERM.

use std::net::SocketAddr;

use anyhow::{Context, Result, anyhow, bail};
use detect::alert::AlertCaps;
use detect::rule::Kind;
use serve::auth::Tokens;
use serve::sinks::SinkSpec;
use serve::state::StateDb;
use serve::tls::TlsFiles;
use serve::{Config, Security, StoreConfig};

use crate::cli::ServeArgs;
use crate::cmd::query::{Limits, parse_duration, parse_now, parse_size, runtime};
use crate::cmd::rule_set;

/// Runs the server until a signal stops it: 130 after SIGINT, 143 after
/// SIGTERM.
pub fn run(args: &ServeArgs) -> Result<i32> {
    let listen: SocketAddr = args
        .listen
        .parse()
        .with_context(|| format!("invalid --listen '{}': expected an address such as 127.0.0.1:7474", args.listen))?;
    let security = Security {
        tls: match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => {
                Some(TlsFiles { cert: cert.clone(), key: key.clone(), client_ca: args.client_ca.clone() })
            }
            _ => None,
        },
        tokens: args.token_file.as_deref().map(Tokens::load).transpose().map_err(|e| anyhow!("--token-file: {e}"))?,
    };
    serve::check_listen(&listen, &security).map_err(|e| anyhow!(e))?;
    let (pack, failed) = rule_set::load(&args.sources)?;
    if failed {
        bail!("some rule files have errors (above); fix them or leave their folder out");
    }
    let limits = Limits::parse(&args.timeout, &args.memory_limit, args.spill_dir.as_deref())?;
    let size = |flag: &str, v: &str| parse_size(v).with_context(|| format!("invalid {flag} '{v}'"));
    let duration = |flag: &str, v: &str| parse_duration(v).with_context(|| format!("invalid {flag} '{v}'"));
    let retention_days = match &args.retention {
        Some(r) => {
            let d = duration("--retention", r)?;
            let days = d.as_secs().div_ceil(86_400);
            Some(u32::try_from(days).map_err(|_| anyhow!("invalid --retention '{r}': too long"))?)
        }
        None => None,
    };
    let spill = limits.engine_spill()?;
    let state = args.state.clone().unwrap_or_else(|| StateDb::Sqlite(args.data.join("state.sqlite")));
    let config = Config {
        listen,
        security,
        store: StoreConfig {
            dir: args.data.clone(),
            segment_bytes: size("--segment-size", &args.segment_size)? as u64,
            compact_age: duration("--compact-after", &args.compact_after)?,
            max_wal_bytes: size("--max-wal", &args.max_wal)? as u64,
            retention_days,
        },
        state: state.clone(),
        rules: pack.rules,
        engine: limits.engine(&spill),
        caps: AlertCaps::default(),
        max_body: size("--max-body", &args.max_body)?,
        header_timeout: duration("--header-timeout", &args.header_timeout)?,
        body_timeout: duration("--body-timeout", &args.body_timeout)?,
        max_rows: args.max_rows,
        ingestion_delay: duration("--ingestion-delay", &args.ingestion_delay)?,
        tails: args
            .tail
            .iter()
            .map(|p| std::path::absolute(p).with_context(|| format!("invalid --tail '{}'", p.display())))
            .collect::<Result<_>>()?,
        tail_hold: std::time::Duration::from_secs(2),
        sinks: args
            .sink
            .iter()
            .map(|s| SinkSpec::parse(s).map_err(|e| anyhow!("--sink: {e}")))
            .collect::<Result<_>>()?,
        sink_ca: args.sink_ca.clone(),
        sink_backoff: std::time::Duration::from_secs(1),
        now: args.now.as_deref().map(parse_now).transpose()?,
    };
    let nrt = config.rules.iter().filter(|r| r.kind == Kind::Nrt).count();
    let scheduled = config.rules.len() - nrt;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .init();
    let rt = runtime()?;
    let scheme = if config.security.tls.is_some() { "https" } else { "http" };
    let code = rt.block_on(async {
        let signal = crate::signals::listen().context("cannot listen for signals")?;
        let mut running = serve::start(config).await.map_err(|e| anyhow!(e))?;
        eprintln!(
            "dragnet: serving on {scheme}://{} ({scheduled} scheduled and {nrt} NRT rules, data in {}, alert state in {})",
            running.addr,
            args.data.display(),
            state
        );
        tokio::select! {
            code = signal => {
                let name = if code == crate::signals::INTERRUPTED { "SIGINT" } else { "SIGTERM" };
                eprintln!("dragnet: stopping (got {name})");
                running.stop().await;
                Ok::<i32, anyhow::Error>(code)
            }
            _ = running.wait() => bail!("the server stopped unexpectedly"),
        }
    })?;
    rt.shutdown_background();
    drop(spill);
    Ok(code)
}
