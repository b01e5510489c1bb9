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

    /// Run a KQL query over tables of telemetry and print the result.
    ///
    /// The Defender and Sentinel tables (DeviceProcessEvents, DeviceFileEvents,
    /// DeviceNetworkEvents, AKSAudit) always exist, empty unless --data fills
    /// them. --data takes log files and folders of logs in any format dragnet
    /// reads (recognised from their content, folders read recursively), or
    /// datasets written by `dragnet ingest` (a folder per table).
    ///
    /// Exit status: 0 the query ran, 1 the query is invalid or failed,
    /// 2 the command line or the data is wrong. Records that cannot be read
    /// are reported on stderr and do not change the exit status; `ingest`
    /// reports them with its exit status.
    ///
    /// Examples:
    ///   dragnet query --data /var/log/audit/audit.log 'DeviceProcessEvents | take 5'
    ///   dragnet query --data testdata/tables --now 2026-11-20T12:00:00Z \
    ///       --file rules/T1609-container-admin-command/query.kql --format json
    #[command(verbatim_doc_comment)]
    Query(QueryArgs),

    /// Read logs and write them as a Parquet dataset for fast queries.
    ///
    /// Reads every log file given (folders recursively), each in the format
    /// recognised from its content, and writes the rows into OUT as one
    /// folder per table and a folder per day inside it:
    /// OUT/DeviceProcessEvents/2026-11-20/<run>.parquet. Ingesting again into
    /// the same OUT adds files. `dragnet query --data OUT` reads the result.
    ///
    /// A record that cannot be read (malformed, truncated, of an unknown
    /// format) never stops the run: each file's rejects are counted and the
    /// first is reported on stderr with its line; --rejects writes them all.
    ///
    /// Exit status: 0 every record was read, 1 some records were rejected,
    /// 2 the command line is wrong or the output cannot be written.
    ///
    /// Examples:
    ///   dragnet ingest /var/log/audit/ --out data/
    ///   dragnet ingest kube-audit.log audit.log --out data/ --stats --rejects rejects.txt
    #[command(verbatim_doc_comment)]
    Ingest(IngestArgs),

    /// Run the detection rules over logs and print the alerts.
    ///
    /// Reads every log file given (folders recursively, formats recognised
    /// from content) or dataset folder, runs each rule of the built-in pack
    /// and of any --rules folders with now() at --now, and prints the alerts
    /// sorted by time. --now defaults to the newest event time in the data,
    /// so a rule's ago(1h) means "the last hour of the logs". The Sigma
    /// rules of each table run in one scan of it; Sigma correlation rules
    /// then run over the events their rules matched.
    ///
    /// Exit status: 0 no alert, 1 alerts, 2 the command line, a rule file or
    /// the logs are wrong, or a rule or correlation failed to run.
    ///
    /// Examples:
    ///   dragnet hunt /var/log/audit/audit.log
    ///   dragnet hunt --min-severity High --format jsonl logs/
    ///   dragnet hunt --rules ./my-rules --now 2026-11-20T12:00:00Z --format ocsf kube-audit.log
    #[command(verbatim_doc_comment)]
    Hunt(HuntArgs),

    /// Serve continuous detection over HTTP: ingest, storage, rules, alerts.
    ///
    /// Accepts telemetry on POST /ingest (any format dragnet reads, or
    /// ?format=NAME; ?field=NAME reads the lines a shipper wrapped in that
    /// JSON field) and the Kubernetes API server's audit webhook on
    /// POST /k8s-audit, and follows local files with --tail. A body is read
    /// whole first (a bad record refuses it with 400, its line and reason,
    /// and nothing is stored; with ?rejects=skip the good records are
    /// stored and the bad ones reported in the answer), then written
    /// to a write-ahead log under --data and synced to disk before the 2xx.
    /// The log is compacted into the Parquet dataset layout `ingest` writes
    /// (--data/dataset). NRT rules run over each batch once, and so do the
    /// Sigma rules (all of a table's in one scan) and their correlations;
    /// scheduled rules every queryFrequency. The rules are loaded again on
    /// SIGHUP and when a file under --rules changes; a set with errors is
    /// refused and the running one stays. Alerts and their status, owner and comments are
    /// kept in --data/state.sqlite. The API: POST /api/query, GET /api/alerts,
    /// GET and PATCH /api/alerts/{id}, GET /api/alerts/stream (Server-Sent
    /// Events), GET /api/rules, GET /healthz, GET /metrics, and its OpenAPI
    /// document at GET /api/openapi.json. The web console
    /// (query, alerts, rules, ATT&CK coverage) is at / on the same address.
    ///
    /// Listens on loopback, open to local clients, unless --listen says
    /// otherwise; any other address needs --tls-cert, --tls-key and
    /// --token-file. With a token file every request but GET /healthz and
    /// the console's static pages needs 'Authorization: Bearer TOKEN':
    /// a missing or unknown token gets 401, a token whose role does not
    /// allow the request 403. A token file has one token a line, 'ROLE
    /// TOKEN' (# starts a comment; a token has at least 16 characters):
    ///   ingest  0c3b...   POST /ingest and /k8s-audit only
    ///   read    9f1d...   GET /api/..., /metrics, POST /api/query
    ///   write   77aa...   everything read may, updates and ingest
    /// With --client-ca, POST /k8s-audit needs a client certificate signed
    /// by that CA instead of a token (what the API server's webhook
    /// kubeconfig presents); other clients need none.
    /// Bodies larger than --max-body get 413 and bodies slower than
    /// --body-timeout 408; nothing of either is stored.
    /// SIGINT or SIGTERM stops it (exit status 130 or 143).
    ///
    /// Examples:
    ///   dragnet serve --data /var/lib/dragnet
    ///   dragnet serve --data ./data --rules ./my-rules --retention 30d
    ///   curl --data-binary @audit.log http://127.0.0.1:7474/ingest
    ///   dragnet serve --data /data --listen 0.0.0.0:7474 --tls-cert tls.crt \
    ///     --tls-key tls.key --token-file tokens --client-ca apiserver-ca.crt
    #[command(verbatim_doc_comment)]
    Serve(Box<ServeArgs>),

    /// List the detection rules: the built-in pack and any --rules folders.
    ///
    /// Each rule file is Microsoft Sentinel analytics-rule YAML or a Sigma
    /// rule (a file with a top-level `detection:`). Problems are
    /// printed to stderr as FILE:LINE:COLUMN: KEY: MESSAGE; a file with
    /// errors is left out. --check also binds every query against the
    /// default tables and checks the columns the alert settings name.
    ///
    /// Exit status: 0 every rule loaded (and, with --check, binds), 1 some
    /// rule has errors, 2 the command line or a folder is wrong.
    ///
    /// Examples:
    ///   dragnet rules
    ///   dragnet rules --rules ./my-rules --check
    ///   dragnet rules --no-builtin --rules ./my-rules --format json
    #[command(verbatim_doc_comment)]
    Rules(RulesArgs),

    /// Show the ATT&CK Containers matrix and which techniques the rules and
    /// their tests cover.
    ///
    /// A technique is covered by a rule that lists it in relevantTechniques,
    /// and by tests when such a rule has attack tests with logs (what
    /// `dragnet test` runs). A parent technique
    /// shows how many rules cover its sub-techniques.
    ///
    /// Examples:
    ///   dragnet coverage
    ///   dragnet coverage --rules ./my-rules --format json
    #[command(verbatim_doc_comment)]
    Coverage(CoverageArgs),

    /// Run the rules' tests: each test's logs through the rule, and the
    /// alerts compared with what the test expects.
    ///
    /// A rule file's `tests:` list names log files (relative to the rule
    /// file, any format dragnet reads) and what the rule must do over them:
    ///   tests:
    ///     - name: kubectl exec into a pod
    ///       atomic: T1609#2           # the Atomic Red Team test reproduced
    ///       kind: attack              # attack | benign | false-positive | known-miss
    ///       logs: [tests/kubectl-exec.audit.log]
    ///       now: 2026-11-20T12:00:00Z # default: the newest event in the logs
    ///       expect:
    ///         alerts: 1               # default: at least 1 (attack,
    ///                                 # false-positive), none (benign,
    ///                                 # known-miss)
    ///         fields: {FileName: kubectl}   # some alert has a row with these
    /// `benign` tests are ordinary activity the rule must not fire on;
    /// `false-positive` tests record benign activity the rule is known to
    /// fire on (its falsePositives list); `known-miss` tests record attacks
    /// the query does not see, so the gap stays documented. A test also
    /// fails when a record of its logs is rejected.
    ///
    /// With no RULES, tests the built-in pack with the logs shipped in it.
    ///
    /// Exit status: 0 every test passed, 1 a test failed, a rule file has
    /// errors or (with --strict) a rule has no tests, 2 the command line or
    /// a path is wrong.
    ///
    /// Examples:
    ///   dragnet test
    ///   dragnet test --strict rules/
    ///   dragnet test ./my-rules/exec-into-pod.yaml --format jsonl
    #[command(verbatim_doc_comment)]
    Test(TestArgs),

    /// Build or show the detection catalog: vendors' published rules read
    /// into one form and analysed per ATT&CK technique.
    ///
    /// `build` reads the rule folders given (local copies of SigmaHQ/sigma,
    /// elastic/detection-rules, splunk/security_content,
    /// panther-labs/panther-analysis, and Sentinel or Defender KQL) and
    /// writes JSON, Markdown and a static site (index.html) into --out; a
    /// rebuild into the same folder parses only the rule files that
    /// changed. `show` prints one technique's page from a built catalog
    /// (--catalog) or built on the fly from the folders given.
    ///
    /// Exit status: 0 success, 2 a folder, the mapping file or the ATT&CK
    /// data is wrong.
    ///
    /// Examples:
    ///   dragnet catalog build --sigma sigma/rules --elastic detection-rules/rules \
    ///       --splunk security_content --panther panther-analysis/rules \
    ///       --sentinel hunting-queries --out catalog/
    ///   dragnet catalog show T1552.007 --catalog catalog/
    #[command(verbatim_doc_comment)]
    Catalog(CatalogArgs),

    /// Work with Sigma rules: `convert` prints the KQL a Sigma rule runs as,
    /// `mapping` the shipped logsource and field mapping.
    ///
    /// Sigma rules (a .yml/.yaml file with a top-level `detection:`) also
    /// load wherever rules do: `hunt`, `rules`, `test` and `coverage` take
    /// them beside Sentinel rules. Each compiles to a KQL query over the
    /// table its logsource maps to (the shipped mapping, or --sigma-mapping);
    /// `dragnet check` accepts the printed query and `dragnet query` returns
    /// the rows the rule matches.
    ///
    /// Exit status: 0 every rule converted, 1 some rule has errors, 2 the
    /// command line or a path is wrong.
    ///
    /// Examples:
    ///   dragnet sigma convert rules/linux/process_creation/proc_creation_lnx_base64_decode.yml
    ///   dragnet sigma convert --sigma-mapping my-mapping.yaml ./sigma/
    ///   dragnet sigma mapping > my-mapping.yaml
    #[command(verbatim_doc_comment)]
    Sigma(SigmaArgs),
}

/// Arguments of `sigma`.
#[derive(Debug, Args)]
pub struct SigmaArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SigmaCommand,
}

/// Subcommands of `sigma`.
#[derive(Debug, Subcommand)]
pub enum SigmaCommand {
    /// Print the KQL each Sigma rule compiles to, one block per rule.
    Convert(SigmaConvertArgs),
    /// Print the shipped logsource and field mapping, with the comments
    /// that explain its format: the starting point of a mapping of your
    /// own, given back with --sigma-mapping.
    Mapping,
}

/// Arguments of `sigma convert`.
#[derive(Debug, Args)]
pub struct SigmaConvertArgs {
    /// Sigma rule files or folders of them (searched recursively).
    #[arg(value_name = "RULE", required = true)]
    pub rules: Vec<PathBuf>,

    /// The logsource and field mapping (default: the shipped one, which
    /// `dragnet sigma mapping` prints).
    #[arg(long, value_name = "FILE")]
    pub sigma_mapping: Option<PathBuf>,
}

/// Arguments of `test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule files or folders of rule files (searched recursively)
    /// [default: the built-in pack].
    #[arg(value_name = "RULES")]
    pub rules: Vec<PathBuf>,

    /// Fail rules that have no tests.
    #[arg(long)]
    pub strict: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Table)]
    pub format: TestFormat,
}

/// Output formats of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per test for people, failures explained below it, and a summary.
    Table,
    /// One JSON object per test (and per rule without tests).
    Jsonl,
}

/// Where rules come from.
#[derive(Debug, Clone, Args)]
pub struct RuleSources {
    /// A folder of rule files (*.yaml, *.yml, searched recursively; Sentinel
    /// rules and Sigma rules) or one file. Repeat to add more. A rule with
    /// the id of a built-in rule replaces it.
    #[arg(long = "rules", short = 'r', value_name = "DIR")]
    pub rules: Vec<PathBuf>,

    /// Leave out the built-in rule pack.
    #[arg(long)]
    pub no_builtin: bool,

    /// The Sigma logsource and field mapping for Sigma rules (default: the
    /// shipped one, which `dragnet sigma mapping` prints).
    #[arg(long, value_name = "FILE")]
    pub sigma_mapping: Option<PathBuf>,
}

/// Output formats of `hunt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertFormat {
    /// One line per alert for people: time, severity, technique, rule,
    /// host, account, summary.
    Table,
    /// One JSON object per alert per line, with its entities and evidence.
    Jsonl,
    /// CSV with a header row, one row per alert.
    Csv,
    /// One OCSF 1.8.0 Detection Finding (class 2004) per line.
    Ocsf,
}

/// Severities for `--min-severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinSeverity {
    /// Every alert.
    Informational,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High only.
    High,
}

/// Arguments of `hunt`.
#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Log files or folders (read recursively), or dataset folders.
    #[arg(value_name = "LOGS", required = true)]
    pub logs: Vec<PathBuf>,

    #[command(flatten)]
    pub sources: RuleSources,

    /// A table of your own, NAME=PATH: a JSON-lines, CSV or Parquet file
    /// (recognised from its content), queried as NAME with its column
    /// types inferred as KQL's (long, real, bool, datetime, string,
    /// dynamic). Repeat for more tables.
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub tables: Vec<String>,

    /// The time now() and ago() count from, e.g. 2026-11-20T12:00:00Z
    /// [default: the newest event time in the data].
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AlertFormat::Table)]
    pub format: AlertFormat,

    /// Leave out alerts below this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = MinSeverity::Informational)]
    pub min_severity: MinSeverity,

    /// Colour the table's severities.
    #[arg(long)]
    pub color: bool,

    /// Show no progress bar while reading logs.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Stop a rule's query that runs longer than this, e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,

    /// Memory for the whole hunt, e.g. 512MB, 4GB: rows read from logs
    /// keep an eighth of it in memory and spill the rest to disk
    /// (--spill-dir); a rule's query gets half of it, spills its sorts,
    /// aggregations and joins past that, and fails with this limit named
    /// when it needs more; the rest is headroom for what is not counted.
    #[arg(long, value_name = "SIZE", default_value = "4GB")]
    pub memory_limit: String,

    /// The folder where rows read from logs and the queries' sorts,
    /// aggregations and joins spill, in dragnet-spill-<pid>-<random>
    /// folders removed at exit, also on SIGINT or SIGTERM (folders that a
    /// killed run left are removed by the next run) [default: the system's
    /// temporary folder, TMPDIR].
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,

    /// At most this many alerts per rule per run, as in Sentinel: with
    /// AlertPerResult the first N-1 rows are an alert each and the last
    /// alert folds all the others, with their count.
    #[arg(long, value_name = "N", default_value_t = detect::fold::MAX_ALERTS as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_alerts_per_rule: u64,

    /// At most this many evidence rows per alert; an alert with more rows
    /// says how many it left out.
    #[arg(long, value_name = "N", default_value_t = detect::fold::MAX_EVIDENCE as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_evidence_rows: u64,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The folder for the write-ahead log, the Parquet dataset and the
    /// alert state (made if missing).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,

    /// Where alert and incident state (status, owner, comments,
    /// classification, suppression, rule runs) is kept: a PostgreSQL
    /// database (postgres://USER@HOST/DB or postgresql://...; a unix socket
    /// folder as the host, %2F-escaped, or ?host=/run/postgresql; no TLS, so
    /// a local socket or loopback), or a SQLite file (PATH or sqlite:PATH).
    /// Default: --data/state.sqlite. The schema is made or brought up to
    /// date at start; a database that cannot be reached stops the start.
    #[arg(long, value_name = "DB", value_parser = parse_state)]
    pub state: Option<serve::state::StateDb>,

    /// The address to listen on; anything but loopback needs --tls-cert,
    /// --tls-key and --token-file.
    #[arg(long, value_name = "ADDR", default_value = serve::DEFAULT_LISTEN)]
    pub listen: String,

    /// Serve HTTPS with this certificate chain (PEM, the server's
    /// certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// CA certificates (PEM): POST /k8s-audit then needs a client
    /// certificate they sign. Needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,

    /// Bearer tokens with roles, one 'ROLE TOKEN' a line (ROLE one of
    /// ingest, read, write; see above); every request but health and the
    /// console's pages then needs one.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    #[command(flatten)]
    pub sources: RuleSources,

    /// Run rules and queries with now() at this fixed time instead of the
    /// clock, e.g. 2026-11-20T12:00:00Z (to replay recorded logs).
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,

    /// The largest request body accepted; larger ones get 413.
    #[arg(long, value_name = "SIZE", default_value = "16MB")]
    pub max_body: String,

    /// Disconnect a client that has not finished the TLS handshake or sent
    /// a request's head within this.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub header_timeout: String,

    /// Answer 408 (nothing stored) to a client that has not sent a
    /// request's whole body within this after its head.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub body_timeout: String,

    /// Past this many bytes in the write-ahead log not yet compacted,
    /// ingest gets 503 with Retry-After until compaction catches up.
    #[arg(long, value_name = "SIZE", default_value = "1GB")]
    pub max_wal: String,

    /// Compact a write-ahead log segment once it holds this much.
    #[arg(long, value_name = "SIZE", default_value = "64MB")]
    pub segment_size: String,

    /// ... or once its first batch is this old, e.g. 1m, 5m.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub compact_after: String,

    /// Remove Parquet days older than this, e.g. 30d [default: keep all].
    #[arg(long, value_name = "DURATION")]
    pub retention: Option<String>,

    /// How late events may arrive: scheduled rules run with now() this much
    /// before the run, so late events still fall in a later window.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub ingestion_delay: String,

    /// Stop a query or a rule's run that takes longer than this.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub timeout: String,

    /// Memory for a query or a rule's run: the engine's pool is half of it
    /// (sorts, aggregations and joins spill past that).
    #[arg(long, value_name = "SIZE", default_value = "2GB")]
    pub memory_limit: String,

    /// Where queries spill (see `hunt --spill-dir`) [default: TMPDIR].
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,

    /// The most rows POST /api/query returns.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_rows: usize,

    /// Follow this local file as it grows (repeatable), e.g.
    /// /var/log/audit/audit.log: whole lines are read by the same sources
    /// as POST /ingest (the format recognised from the content) and stored
    /// like an HTTP batch. Rotation by rename (the old file is read to its
    /// end first, also when it happened while the server was down) and
    /// truncation are followed; where each file was read to is kept in
    /// --data/tail.json and the write-ahead log, so a restart reads on from
    /// there, nothing twice. Rejected lines are logged and counted in
    /// /metrics; the good lines beside them are kept.
    #[arg(long, value_name = "PATH")]
    pub tail: Vec<PathBuf>,

    /// Send every new alert, once, to this sink too (repeatable):
    ///   jsonl:PATH                  appended to a file, one JSON a line
    ///   webhook:https://HOST/PATH   POSTed as JSON (http:// too); 5xx,
    ///                               408, 429 and connection errors are
    ///                               retried 5 times with a backoff
    ///                               doubling from 1 s (see --sink-ca)
    ///   syslog:udp://HOST:PORT      RFC 5424 over UDP, the JSON as message
    /// Add +ocsf to the kind (jsonl+ocsf:PATH) to send OCSF Detection
    /// Findings instead of dragnet's alert JSON. Each sink has a queue of
    /// 1024 alerts; a sink that falls behind or fails never holds up ingest
    /// or rules, and what it drops or gives up on is counted in /metrics
    /// (the alerts stay in GET /api/alerts).
    #[arg(long, value_name = "KIND:TARGET", verbatim_doc_comment)]
    pub sink: Vec<String>,

    /// Trust the CA certificates in this PEM file for https:// webhook
    /// sinks, besides the system's.
    #[arg(long, value_name = "FILE")]
    pub sink_ca: Option<PathBuf>,

    /// Serve this catalog folder (written by `dragnet catalog build`, with
    /// vendors' rules) under /catalog/ in the console [default: the catalog
    /// of the rules this server runs, built in memory at start].
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

/// Output formats of `rules` and `coverage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned text for people.
    Table,
    /// One JSON document.
    Json,
}

/// Arguments of `rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub sources: RuleSources,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Also bind each query against the default tables and check the
    /// columns named by entityMappings, customDetails and alertDetailsOverride.
    #[arg(long)]
    pub check: bool,
}

/// Arguments of `catalog`.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CatalogCommand,
}

/// The `catalog` subcommands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Read the rule folders and write the catalog into --out.
    Build(CatalogBuildArgs),
    /// Print one technique's page.
    Show(CatalogShowArgs),
}

/// The vendors' rule folders and the mapping.
#[derive(Debug, Args)]
pub struct CatalogSources {
    /// SigmaHQ/sigma `rules/` (YAML, read by dragnet's Sigma loader).
    #[arg(long, value_name = "DIR")]
    pub sigma: Option<PathBuf>,
    /// elastic/detection-rules `rules/` (TOML).
    #[arg(long, value_name = "DIR")]
    pub elastic: Option<PathBuf>,
    /// splunk/security_content (the repository, or its `detections/`).
    #[arg(long, value_name = "DIR")]
    pub splunk: Option<PathBuf>,
    /// panther-labs/panther-analysis `rules/` (YAML and Python).
    #[arg(long, value_name = "DIR")]
    pub panther: Option<PathBuf>,
    /// Sentinel analytics rules or Defender hunting queries (YAML, Markdown, .kql).
    #[arg(long, value_name = "DIR")]
    pub sentinel: Option<PathBuf>,
    /// A field and operator mapping to use instead of the shipped one
    /// (same format as crates/catalog/data/mapping.toml).
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

/// Arguments of `catalog build`.
#[derive(Debug, Args)]
pub struct CatalogBuildArgs {
    #[command(flatten)]
    pub sources: CatalogSources,
    /// The folder to write the catalog into (created if missing): JSON,
    /// Markdown and a static site (open its index.html). A rebuild into the
    /// same folder re-reads only the rule files that changed (the cache is
    /// `.cache/` there) and rewrites only the files whose content changed.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// MITRE ATT&CK STIX data for technique and tactic names and
    /// descriptions: enterprise-attack.json (mitre-attack/attack-stix-data)
    /// or the enterprise-attack/ folder of mitre/cti. Default: the table
    /// shipped with dragnet (ATT&CK v18.1).
    #[arg(long, value_name = "PATH")]
    pub attack: Option<PathBuf>,
}

/// Output formats of `catalog show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PageFormat {
    /// The page as Markdown.
    Markdown,
    /// The page's data as JSON.
    Json,
}

/// Arguments of `catalog show`.
#[derive(Debug, Args)]
pub struct CatalogShowArgs {
    /// The technique: `T1552.007`.
    #[arg(value_name = "TECHNIQUE")]
    pub technique: String,
    /// A catalog written by `catalog build`.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub sources: CatalogSources,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PageFormat::Markdown)]
    pub format: PageFormat,
}

/// Arguments of `coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    #[command(flatten)]
    pub sources: RuleSources,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
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

/// Output formats of `query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// Aligned columns for people; wide cells are truncated.
    Table,
    /// One object per result: {"columns":[{"name","type"}],"rows":[[...]]}.
    Json,
    /// One JSON object per row.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// Arguments of `query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query text, or `-` to read it from standard input.
    #[arg(value_name = "QUERY", required_unless_present = "file", conflicts_with = "file")]
    pub query: Option<String>,

    /// Read the query from this file.
    #[arg(long, short = 'f', value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Logs (a file or a folder, read recursively) or a dataset folder
    /// (DIR/<Table>/*.parquet or *.jsonl). Repeat to add more.
    #[arg(long, short = 'd', value_name = "PATH")]
    pub data: Vec<PathBuf>,

    /// A table of your own, NAME=PATH: a JSON-lines, CSV or Parquet file
    /// (recognised from its content), queried as NAME with its column
    /// types inferred as KQL's (long, real, bool, datetime, string,
    /// dynamic). Repeat for more tables.
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub tables: Vec<String>,

    /// Show no progress bar while reading logs.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The time `now()` and `ago()` count from, e.g. 2026-11-20T12:00:00Z
    /// [default: the current time].
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,

    /// Stop a query that runs longer than this, e.g. 30s, 5m: binding,
    /// planning and running it all count.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,

    /// Memory for the whole query, e.g. 512MB, 4GB: rows read from logs
    /// keep an eighth of it in memory and spill the rest to disk
    /// (--spill-dir); the query gets half of it, spills its sorts,
    /// aggregations and joins past that, and fails with this limit named
    /// when it needs more (a table or JSON result counts whole); the rest
    /// is headroom for what is not counted.
    #[arg(long, value_name = "SIZE", default_value = "4GB")]
    pub memory_limit: String,

    /// The folder where rows read from logs and the query's sorts,
    /// aggregations and joins spill, in dragnet-spill-<pid>-<random>
    /// folders removed at exit, also on SIGINT or SIGTERM (folders that a
    /// killed run left are removed by the next run) [default: the system's
    /// temporary folder, TMPDIR].
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
}

/// Arguments of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Log files or folders of logs.
    #[arg(value_name = "LOGS", required = true)]
    pub logs: Vec<PathBuf>,

    /// The dataset folder to write (created if missing).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,

    /// Also write a table of your own, NAME=PATH: a JSON-lines, CSV or
    /// Parquet file (recognised from its content), its column types
    /// inferred as KQL's, into OUT/NAME. Repeat for more tables.
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub tables: Vec<String>,

    /// Print per-source counts (files, bytes, records, skipped, rejected),
    /// rows per table, and the format(s) each file was read as, on stdout.
    #[arg(long)]
    pub stats: bool,

    /// Write every rejected record to this file, as `file:line: reason`
    /// followed by the record.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Read every file as this format instead of recognising it from its
    /// content (auditd, laurel, k8s-audit, tetragon, falco, ecs,
    /// sysmon-linux, defender, defender-csv, syslog, journald, cri,
    /// docker-json, kubectl). A file of another format
    /// then gives rejects.
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,

    /// The name of the machine the logs come from: `DeviceName` of the
    /// records that do not name theirs (a raw audit.log without `node=`).
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,

    /// That machine's /etc/passwd: account names for the numeric uids of
    /// raw audit logs (`AccountName`, `InitiatingProcessAccountName`). Without
    /// it, and without auditd's ENRICHED names, uid 0 is `root` and other
    /// uids stay numbers. The uid itself is kept in `AdditionalFields`
    /// (`PosixUserId`), as Defender keeps it.
    #[arg(long, value_name = "FILE")]
    pub passwd: Option<PathBuf>,

    /// That machine's /etc/group: names of the accounts' primary groups.
    #[arg(long, value_name = "FILE")]
    pub group: Option<PathBuf>,

    /// The year of syslog timestamps that carry none (RFC 3164's
    /// `Mmm dd hh:mm:ss`) [default: the latest year that puts each no more
    /// than a day ahead of now].
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i16).range(1..=9999))]
    pub year: Option<i16>,

    /// Show no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `--state`: a connection string or a SQLite path.
fn parse_state(text: &str) -> Result<serve::state::StateDb, String> {
    if text.is_empty() {
        return Err("expected postgres://USER@HOST/DB, sqlite:PATH or a path".into());
    }
    Ok(serve::state::StateDb::parse(text))
}
