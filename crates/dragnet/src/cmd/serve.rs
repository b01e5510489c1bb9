//! `dragnet serve`: the command over the `serve` crate: flags into its
//! settings, logs to stderr, and a clean stop on SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use detect::alert::AlertCaps;
use detect::rule::Kind;
use serve::auth::Tokens;
use serve::reload::RuleSource;
use serve::sinks::SinkSpec;
use serve::state::StateDb;
use serve::tls::TlsFiles;
use serve::{Config, Security, StoreConfig};

use crate::cli::ServeArgs;
use crate::cmd::query::{Limits, parse_duration, parse_now, parse_size, runtime};
use crate::cmd::rule_set;

/// Loading the rules again, for a reload: the same folders, the errors of
/// the files that do not load as one message.
fn reload_source(sources: &crate::cli::RuleSources) -> RuleSource {
    let mut watch = sources.rules.clone();
    watch.extend(sources.sigma_mapping.clone());
    let sources = sources.clone();
    RuleSource {
        watch,
        load: Arc::new(move || {
            let pack = rule_set::load_quiet(&sources).map_err(|e| format!("{e:#}"))?;
            let errors: Vec<String> = pack.errors().map(|d| d.to_string()).collect();
            if !errors.is_empty() {
                return Err(errors.join("\n"));
            }
            Ok((pack.rules, pack.sigma))
        }),
        debounce: std::time::Duration::from_millis(500),
        sighup: true,
    }
}

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
        sigma: pack.sigma,
        reload: Some(reload_source(&args.sources)),
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
        catalog: match &args.catalog {
            Some(dir) if !dir.join("index.html").is_file() => {
                bail!("--catalog {}: not a catalog built by `dragnet catalog build` (no index.html)", dir.display())
            }
            other => other.clone(),
        },
    };
    let sigma = config.sigma.rules.len();
    let correlations = config.sigma.correlations.len();
    let nrt = config.rules.iter().filter(|r| r.kind == Kind::Nrt).count();
    let scheduled = config.rules.len().saturating_sub(nrt.saturating_add(sigma));
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
            "dragnet: serving on {scheme}://{} ({scheduled} scheduled, {nrt} NRT, {sigma} Sigma rules and \
             {correlations} correlations; rules reload on SIGHUP or a file change; data in {}, alert state in {})",
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
